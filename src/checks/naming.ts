/**
 * `naming-layer-prefix`: a model in a layer folder (config `layers`, e.g. `staging: [stg_]`) must carry one of the
 * layer's name prefixes. Only new names are judged (added models, renamed or moved ones): asking to rename an
 * existing model would itself be a breaking change for its consumers.
 */
import type { ReviewerConfig } from '../config.js';
import { folderLabel, hasHead, listCode } from './model-facts.js';
import type { Rule } from './types.js';

export interface LayerMatch {
  /** The `layers` key that matched, e.g. `marts/finance`. */
  layer: string;
  prefixes: string[];
}

/**
 * The layer of a model folder path (segments below the model path): the longest `layers` key whose segments are a
 * leading run of whole folder segments (`staging` matches `staging/stripe`, not `staging_old`).
 */
export function layerOf(folders: readonly string[], layers: ReviewerConfig['layers']): LayerMatch | undefined {
  let best: LayerMatch | undefined;
  let bestLength = 0;
  const lowered = folders.map((f) => f.toLowerCase());
  for (const [key, prefixes] of Object.entries(layers)) {
    const segments = key
      .split('/')
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
    if (segments.length === 0 || segments.length > lowered.length) continue;
    if (!segments.every((s, i) => lowered[i] === s)) continue;
    if (segments.length > bestLength) {
      best = { layer: key, prefixes };
      bestLength = segments.length;
    }
  }
  return best;
}

export const namingLayerPrefix: Rule = {
  id: 'naming-layer-prefix',
  defaultSeverity: 'warning',
  origin: 'rule',
  description:
    'A new or moved model in a layer folder (config `layers`, e.g. `staging` -> `stg_`) does not start with one of the layer\'s prefixes. Existing names are not judged: renaming them would break consumers.',
  run(ctx) {
    if (!hasHead(ctx)) return [];
    if (ctx.status === 'modified') return [];
    if (ctx.status === 'renamed' && ctx.baseModel && ctx.baseModel.name === ctx.model.name && sameFolders(ctx.baseModel.folders, ctx.model.folders)) return [];
    const match = layerOf(ctx.model.folders, ctx.config.layers);
    if (!match || match.prefixes.length === 0) return [];
    const name = ctx.model.name.toLowerCase();
    if (match.prefixes.some((p) => name.startsWith(p.toLowerCase()))) return [];
    const folder = folderLabel(ctx.model, ctx.project);
    const example = `${match.prefixes[0]}${stripKnownPrefix(ctx.model.name, ctx.config.layers)}`;
    return [
      {
        rule: 'naming-layer-prefix',
        model: ctx.model.name,
        path: ctx.model.path,
        line: 1,
        message: `Model \`${ctx.model.name}\` is in \`${folder}\` (layer \`${match.layer}\`), where model names start with ${listCode(match.prefixes, 'or')}: rename the file, e.g. to \`${example}.${ctx.model.language === 'python' ? 'py' : 'sql'}\`, or move it to the folder of its layer.`,
      },
    ];
  },
};

function sameFolders(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/** `stg_orders` -> `orders` when `stg_` is another layer's prefix, so the example name is not `int_stg_orders`. */
function stripKnownPrefix(name: string, layers: ReviewerConfig['layers']): string {
  const all = Object.values(layers)
    .flat()
    .sort((a, b) => b.length - a.length);
  const hit = all.find((p) => name.toLowerCase().startsWith(p.toLowerCase()));
  return hit ? name.slice(hit.length) : name;
}
