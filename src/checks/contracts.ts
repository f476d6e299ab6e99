/**
 * `public-model-contract-missing`: a model with `access: public` is an interface for other projects and teams;
 * without an enforced contract a change to its columns or types reaches them silently instead of failing the build.
 */
import { hasHead, modelPlace } from './model-facts.js';
import type { Rule } from './types.js';

export const publicModelContractMissing: Rule = {
  id: 'public-model-contract-missing',
  defaultSeverity: 'warning',
  origin: 'rule',
  description:
    'A model with `access: public` has no enforced contract (`contract: {enforced: true}`), so a change to its columns or types reaches its consumers instead of failing the build.',
  run(ctx) {
    if (!hasHead(ctx)) return [];
    const { model } = ctx;
    if (model.access?.trim().toLowerCase() !== 'public') return [];
    if (model.contractEnforced !== false) return []; // enforced, or computed by Jinja
    const access = model.config.access;
    const place = access?.path ? { path: access.path, line: access.line ?? 1 } : modelPlace(model);
    return [
      {
        rule: 'public-model-contract-missing',
        model: model.name,
        path: place.path,
        line: place.line,
        message: `Public model \`${model.name}\` has no enforced contract: add \`contract: {enforced: true}\` to its config and a \`data_type\` to every column, so a change to its columns fails the build instead of reaching other teams; or make it \`access: protected\` if no other project reads it.`,
      },
    ];
  },
};
