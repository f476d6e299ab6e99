/**
 * `model-description-missing`: a model without a `description:` in its property YAML. Consumers read it in dbt
 * docs and the catalog; a `{{ doc('...') }}` block counts as a description.
 */
import { hasHead, modelPlace } from './model-facts.js';
import type { Rule } from './types.js';

export const modelDescriptionMissing: Rule = {
  id: 'model-description-missing',
  defaultSeverity: 'warning',
  origin: 'rule',
  description: 'The model has no `description:` in its property YAML (a `{{ doc(...) }}` block counts).',
  run(ctx) {
    if (!hasHead(ctx)) return [];
    const { model } = ctx;
    const description = model.properties?.description;
    if (description !== undefined && description.trim() !== '') return [];
    const place = modelPlace(model);
    const message = model.properties?.path
      ? `Model \`${model.name}\` has no description: add \`description:\` to its entry in \`${model.properties.path}\` saying what one row is and what the model is for.`
      : `Model \`${model.name}\` has no description and no property YAML entry: add one (\`models: [{name: ${model.name}, description: ...}]\`) in a \`.yml\` file next to the model, saying what one row is and what the model is for.`;
    return [{ rule: 'model-description-missing', model: model.name, path: place.path, line: place.line, message }];
  },
};
