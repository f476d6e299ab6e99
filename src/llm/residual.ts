/**
 * Residual selection: what the deterministic stages could not settle and therefore goes to the LLM.
 *
 * - models whose impact is `unknown` (all their SQL hunks);
 * - `column_expression_changed`, `filter_changed`, `join_changed` (the hunks around those changes), except the
 *   ones whose consequence the rules state in full (`settled`: a whole predicate added or removed, left <-> inner);
 * - changed macros that models call (the macro's hunks, with the calling models as context);
 * - Python models (all their hunks).
 * Formatting-only hunks are never sent, and formatting-only blocks inside a sent hunk are shown as context.
 * Fully explained changes (columns added/removed/renamed, tests, docs, config, ...) are not sent. Pure.
 */
import { escapeRegExp } from '../dbt/textLines.js';
import { parseYamlValue as parseYaml } from '../dbt/yamlTree.js';
import type { ChangedFile, ReviewRequest } from '../ports.js';
import type { FileSnapshot } from '../dbt/types.js';
import type { DownstreamUse, Finding, ModelChange, OwnerRef, Review } from '../review/types.js';
import { changeBlocks, hunkNewRange, hunkOldRange, isFormattingOnlyBlock, isFormattingOnlyHunk, parsePatch, type DiffLine, type Hunk } from './diff.js';

/** Change kinds whose effect needs judgement (the rules see *that* it changed, not whether it is right). */
const JUDGEMENT_KINDS: ReadonlySet<string> = new Set(['column_expression_changed', 'filter_changed', 'join_changed']);

/** A change of a judgement kind whose consequence the rules did not state in full (see `ModelChange.settled`). */
export function needsJudgement(change: ModelChange): boolean {
  return JUDGEMENT_KINDS.has(change.kind) && change.settled !== true;
}

export type ResidualKind = 'model' | 'python_model' | 'macro';

export interface ResidualContext {
  status?: string;
  impact?: string;
  breaking?: boolean;
  unknownReason?: string;
  owner?: OwnerRef | null;
  /** Output columns (from the pipeline) or columns declared in property YAML. */
  columns: string[];
  columnsSource?: 'sql' | 'yaml';
  downstream: DownstreamUse[];
  /** Changes the rules found and explained (context, so the model does not re-derive them). */
  explained: ModelChange[];
  /** Changes that need judgement (the reason this item is sent). */
  judgement: ModelChange[];
  /** Deterministic findings on this item (the model must not repeat them). */
  findings: Finding[];
  /** Macros: the macros defined in the file and the models that call them. */
  macros?: string[];
  usedBy?: { name: string; path: string; owner: string | null; changed: boolean }[];
}

export interface ResidualItem {
  /** Stable id: the file path. */
  id: string;
  kind: ResidualKind;
  /** Model name, or the macro names joined. */
  name: string;
  path: string;
  /** Why it is sent, human text (generated, not PR content). */
  reasons: string[];
  layer: string;
  /** Risk ordering keys (higher first). */
  risk: { suspicion: number; layerRank: number; downstream: number };
  hunks: Hunk[];
  context: ResidualContext;
}

export interface NotSent {
  path: string;
  name?: string;
  reason: string;
}

export interface ResidualSelection {
  items: ResidualItem[];
  /** Changed models/macros considered and not sent, with the reason (formatting only, explained by rules...). */
  notSent: NotSent[];
}

export interface ResidualInput {
  review: Review;
  request: Pick<ReviewRequest, 'changedFiles'>;
  head?: FileSnapshot;
}

const LAYER_RANK: Record<string, number> = { marts: 4, mart: 4, reporting: 4, core: 4, intermediate: 3, int: 3, staging: 1, stg: 1, base: 1 };

/** Layer of a model: the report's `layer`, else a known folder name in its path. */
export function layerOf(path: string, layer?: string): string {
  if (layer && layer in LAYER_RANK) return layer;
  const segments = path.toLowerCase().split('/');
  for (const s of segments) if (s in LAYER_RANK) return s;
  return layer ?? 'other';
}

export function layerRank(layer: string): number {
  return LAYER_RANK[layer.toLowerCase()] ?? 2;
}

/** Orders items by risk: breaking suspicion, then marts before staging, then more downstream users, then path. */
export function compareRisk(a: ResidualItem, b: ResidualItem): number {
  return (
    b.risk.suspicion - a.risk.suspicion ||
    b.risk.layerRank - a.risk.layerRank ||
    b.risk.downstream - a.risk.downstream ||
    a.path.localeCompare(b.path)
  );
}

interface ProjectInfo {
  root: string; // '' or 'folder/'
  modelPaths: string[];
  macroPaths: string[];
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i + 1);
}

function stringList(value: unknown, fallback: string[]): string[] {
  if (Array.isArray(value)) {
    const list = value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.replace(/^\.\/|\/$/g, ''));
    return list.length > 0 ? list : fallback;
  }
  return fallback;
}

/** dbt projects of the head revision with their model and macro paths (defaults `models`, `macros`). */
export function projectsOf(head: FileSnapshot | undefined, changedFiles: readonly ChangedFile[]): ProjectInfo[] {
  const files = head ? head.paths() : changedFiles.map((f) => f.path);
  const projects: ProjectInfo[] = [];
  for (const path of files) {
    if (!(path === 'dbt_project.yml' || path.endsWith('/dbt_project.yml'))) continue;
    if (path.split('/').some((s) => s === 'dbt_packages' || s === 'node_modules' || s === 'target')) continue;
    let doc: Record<string, unknown> = {};
    try {
      const parsed: unknown = head ? parseYaml(head.read(path) ?? '') : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) doc = parsed as Record<string, unknown>;
    } catch {
      // An invalid dbt_project.yml is reported by the rules; defaults are good enough to route files here.
    }
    projects.push({
      root: dirnameOf(path),
      modelPaths: stringList(doc['model-paths'] ?? doc['source-paths'], ['models']),
      macroPaths: stringList(doc['macro-paths'], ['macros']),
    });
  }
  if (projects.length === 0) projects.push({ root: '', modelPaths: ['models'], macroPaths: ['macros'] });
  // Deepest root first, so a nested project owns its files.
  return projects.sort((a, b) => b.root.length - a.root.length);
}

function under(path: string, root: string, folders: readonly string[]): boolean {
  if (!path.startsWith(root)) return false;
  const rest = path.slice(root.length);
  return folders.some((f) => rest.startsWith(`${f}/`));
}

function projectFor(path: string, projects: readonly ProjectInfo[]): ProjectInfo | undefined {
  return projects.find((p) => path.startsWith(p.root));
}

const MACRO_DEF = /\{%-?\s*macro\s+([A-Za-z_]\w*)\s*\(/g;

export function macroNames(source: string): string[] {
  return [...new Set([...source.matchAll(MACRO_DEF)].map((m) => m[1]!))];
}

function callsMacro(sql: string, name: string): boolean {
  const escaped = escapeRegExp(name);
  // `name(`, `project.name(`, or `adapter.dispatch('name')`.
  return new RegExp(`(?<![\\w])${escaped}\\s*\\(|dispatch\\(\\s*['"]${escaped}['"]`).test(sql);
}

/** Columns declared for a model in the head revision's property YAML (when the pipeline did not give output columns). */
function declaredColumns(head: FileSnapshot | undefined, project: ProjectInfo | undefined, modelName: string): string[] {
  if (!head) return [];
  const root = project?.root ?? '';
  const folders = project?.modelPaths ?? ['models'];
  const needle = new RegExp(`name:\\s*["']?${escapeRegExp(modelName)}["']?\\s*$`, 'm');
  for (const path of head.paths()) {
    if (!/\.ya?ml$/i.test(path) || !under(path, root, folders)) continue;
    const text = head.read(path);
    if (!text || !needle.test(text)) continue;
    try {
      const doc = parseYaml(text) as { models?: unknown } | null;
      const models = Array.isArray(doc?.models) ? (doc.models as unknown[]) : [];
      for (const m of models) {
        if (!m || typeof m !== 'object') continue;
        const entry = m as { name?: unknown; columns?: unknown };
        if (entry.name !== modelName || !Array.isArray(entry.columns)) continue;
        return entry.columns
          .map((c) => (c && typeof c === 'object' ? (c as { name?: unknown }).name : undefined))
          .filter((n): n is string => typeof n === 'string');
      }
    } catch {
      // invalid YAML: no declared columns
    }
  }
  return [];
}

/** Hunk with formatting-only change blocks turned into context (head text), so only meaningful edits stay marked. */
export function compactHunk(hunk: Hunk): Hunk {
  const blocks = changeBlocks(hunk);
  if (!blocks.some(isFormattingOnlyBlock)) return hunk;
  const lines: DiffLine[] = [];
  let i = 0;
  for (const block of blocks) {
    lines.push(...hunk.lines.slice(i, block.start));
    const slice = hunk.lines.slice(block.start, block.end);
    if (isFormattingOnlyBlock(block)) {
      for (const l of slice) if (l.type === 'add') lines.push({ type: 'ctx', text: l.text, newLine: l.newLine });
    } else {
      lines.push(...slice);
    }
    i = block.end;
  }
  lines.push(...hunk.lines.slice(i));
  return { ...hunk, lines };
}

function meaningfulHunks(file: ChangedFile | undefined): { hunks: Hunk[]; formatting: number } {
  if (!file?.patch) return { hunks: [], formatting: 0 };
  const all = parsePatch(file.patch);
  const hunks = all.filter((h) => !isFormattingOnlyHunk(h)).map(compactHunk);
  return { hunks, formatting: all.length - hunks.length };
}

/** Hunks of the file that contain the given changes (head line, or base line for removals); all when a change has no line. */
function hunksFor(hunks: Hunk[], changes: readonly ModelChange[], path: string): Hunk[] {
  const lines = changes.filter((c) => c.path === path && c.line !== undefined).map((c) => c.line!);
  if (lines.length === 0 || changes.some((c) => c.line === undefined || c.path !== path)) return hunks;
  const picked = hunks.filter((h) => {
    const [nf, nl] = hunkNewRange(h);
    const [of, ol] = hunkOldRange(h);
    return lines.some((l) => (l >= nf && l <= nl) || (l >= of && l <= ol));
  });
  return picked.length > 0 ? picked : hunks;
}

const KIND_TEXT: Record<string, string> = {
  column_expression_changed: 'column expression changed',
  filter_changed: 'filter changed',
  join_changed: 'join changed',
};

function findingsOn(review: Review, name: string | undefined, paths: readonly string[]): Finding[] {
  return review.findings.filter((f) => f.origin !== 'llm' && ((name !== undefined && f.model === name) || paths.includes(f.path)));
}

export function selectResidual(input: ResidualInput): ResidualSelection {
  const { review, request, head } = input;
  const projects = projectsOf(head, request.changedFiles);
  const byPath = new Map<string, ChangedFile>();
  for (const f of request.changedFiles) {
    byPath.set(f.path, f);
  }
  const items: ResidualItem[] = [];
  const notSent: NotSent[] = [];
  const seenPaths = new Set<string>();

  for (const model of review.models) {
    seenPaths.add(model.path);
    if (model.status === 'removed') {
      notSent.push({ path: model.path, name: model.name, reason: 'model removed (explained by the rules)' });
      continue;
    }
    const file = byPath.get(model.path);
    const isPython = model.path.endsWith('.py');
    const judgement = model.changes.filter((c) => needsJudgement(c) || c.kind === 'unknown');
    const unknown = model.impact === 'unknown' || model.changes.some((c) => c.kind === 'unknown');
    if (!isPython && !unknown && judgement.length === 0) {
      const onlyFormatting = model.changes.length > 0 && model.changes.every((c) => c.kind === 'formatting_only');
      notSent.push({
        path: model.path,
        name: model.name,
        reason: onlyFormatting ? 'formatting only' : model.changes.length === 0 ? 'no SQL change' : 'fully explained by the rules',
      });
      continue;
    }
    const { hunks: all, formatting } = meaningfulHunks(file);
    const hunks = isPython || unknown ? all : hunksFor(all, judgement, model.path);
    if (hunks.length === 0) {
      notSent.push({
        path: model.path,
        name: model.name,
        reason: !file?.patch ? 'no diff available (file too large, binary or unchanged SQL)' : formatting > 0 ? 'formatting only' : 'no SQL change',
      });
      continue;
    }
    const reasons: string[] = [];
    if (isPython) reasons.push('Python model (not parsed by the rules)');
    if (unknown) reasons.push('impact unknown: the rules could not analyse it');
    for (const c of judgement.filter((c) => c.kind !== 'unknown')) {
      reasons.push(`${KIND_TEXT[c.kind] ?? c.kind}${c.column ? ` (\`${c.column}\`)` : ''}${c.line ? ` at line ${c.line}` : ''}`);
    }
    const layer = layerOf(model.path, model.layer);
    const project = projectFor(model.path, projects);
    const outputColumns = model.columns;
    const columns = outputColumns && outputColumns.length > 0 ? outputColumns : declaredColumns(head, project, model.name);
    const suspicion = model.breaking || model.changes.some((c) => c.breaking) ? 3 : unknown || isPython ? 2 : model.impact === 'model_wide' ? 2 : 1;
    items.push({
      id: model.path,
      kind: isPython ? 'python_model' : 'model',
      name: model.name,
      path: model.path,
      reasons: [...new Set(reasons)],
      layer,
      risk: { suspicion, layerRank: layerRank(layer), downstream: model.downstream.length },
      hunks,
      context: {
        status: model.status,
        impact: model.impact,
        breaking: model.breaking,
        unknownReason: model.unknownReason,
        owner: model.owner,
        columns,
        columnsSource: outputColumns && outputColumns.length > 0 ? 'sql' : columns.length > 0 ? 'yaml' : undefined,
        downstream: model.downstream,
        explained: model.changes.filter((c) => !needsJudgement(c) && c.kind !== 'unknown' && c.kind !== 'formatting_only'),
        judgement: judgement.filter((c) => c.kind !== 'unknown'),
        findings: findingsOn(review, model.name, [model.path]),
      },
    });
  }

  // Python models the pipeline did not list (it routes them here rather than parsing them).
  for (const file of request.changedFiles) {
    if (seenPaths.has(file.path) || file.status === 'removed' || !file.path.endsWith('.py')) continue;
    const project = projectFor(file.path, projects);
    if (!project || !under(file.path, project.root, project.modelPaths)) continue;
    seenPaths.add(file.path);
    const { hunks, formatting } = meaningfulHunks(file);
    const name = file.path.slice(file.path.lastIndexOf('/') + 1).replace(/\.py$/, '');
    if (hunks.length === 0) {
      notSent.push({ path: file.path, name, reason: formatting > 0 ? 'formatting only' : 'no diff available' });
      continue;
    }
    const layer = layerOf(file.path);
    items.push({
      id: file.path,
      kind: 'python_model',
      name,
      path: file.path,
      reasons: ['Python model (not parsed by the rules)'],
      layer,
      risk: { suspicion: 2, layerRank: layerRank(layer), downstream: 0 },
      hunks,
      context: {
        status: file.status,
        columns: declaredColumns(head, project, name),
        downstream: [],
        explained: [],
        judgement: [],
        findings: findingsOn(review, name, [file.path]),
      },
    });
  }

  // Changed macros that models call.
  for (const file of request.changedFiles) {
    if (seenPaths.has(file.path) || file.status === 'removed' || !file.path.endsWith('.sql')) continue;
    const project = projectFor(file.path, projects);
    if (!project || !under(file.path, project.root, project.macroPaths)) continue;
    seenPaths.add(file.path);
    const source = head?.read(file.path) ?? (file.patch ?? '').split('\n').filter((l) => l.startsWith('+')).map((l) => l.slice(1)).join('\n');
    const names = macroNames(source);
    const { hunks, formatting } = meaningfulHunks(file);
    if (hunks.length === 0) {
      notSent.push({ path: file.path, reason: formatting > 0 ? 'macro change is formatting only' : 'no diff available' });
      continue;
    }
    const usedBy: NonNullable<ResidualContext['usedBy']> = [];
    const changedModels = new Map(review.models.map((m) => [m.path, m] as const));
    const candidates = new Set<string>(review.models.filter((m) => m.status !== 'removed').map((m) => m.path));
    if (head) {
      for (const p of head.paths()) if (/\.(sql|py)$/.test(p) && under(p, project.root, project.modelPaths)) candidates.add(p);
    }
    for (const p of candidates) {
      const sql = head?.read(p);
      if (!sql || !names.some((n) => callsMacro(sql, n))) continue;
      const m = changedModels.get(p);
      usedBy.push({
        name: m?.name ?? p.slice(p.lastIndexOf('/') + 1).replace(/\.(sql|py)$/, ''),
        path: p,
        owner: m?.owner?.value ?? null,
        changed: m !== undefined,
      });
    }
    if (names.length === 0 || usedBy.length === 0) {
      notSent.push({ path: file.path, reason: names.length === 0 ? 'no macro defined in the file' : 'macro not called by any model' });
      continue;
    }
    usedBy.sort((a, b) => Number(b.changed) - Number(a.changed) || layerRank(layerOf(b.path)) - layerRank(layerOf(a.path)) || a.name.localeCompare(b.name));
    const layer = usedBy.map((u) => layerOf(u.path)).sort((a, b) => layerRank(b) - layerRank(a))[0] ?? 'other';
    const changedUsers = usedBy.filter((u) => u.changed).length;
    items.push({
      id: file.path,
      kind: 'macro',
      name: names.join(', '),
      path: file.path,
      reasons: [`changed macro called by ${usedBy.length} model(s)${changedUsers > 0 ? `, ${changedUsers} of them changed in this PR` : ''}`],
      layer,
      risk: { suspicion: 2, layerRank: layerRank(layer), downstream: usedBy.length },
      hunks,
      context: {
        status: file.status,
        columns: [],
        downstream: [],
        explained: [],
        judgement: [],
        findings: findingsOn(review, undefined, [file.path]),
        macros: names,
        usedBy,
      },
    });
  }

  items.sort(compareRisk);
  return { items, notSent };
}
