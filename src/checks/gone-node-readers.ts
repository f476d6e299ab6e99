/**
 * Which models really read a seed or snapshot the change removes or disables (for `refsToGoneNodes` in refs.ts):
 * dbt records only the refs a model's SQL calls when it is rendered at parse time, and resolves none of a disabled
 * model's. The project-level check sees most models as stubs (their refs from a scan, their `enabled` from their SQL
 * and `dbt_project.yml` only), so for the few readers it finds:
 * - `refRendered` looks for the ref in the model's raw SQL outside the Jinja blocks that may not render at parse time
 *   (`{% if %}`: `execute` and `is_incremental()` are false there, a missing var is none; a `{% for %}` over anything
 *   but a literal list; a macro or call block; `{% raw %}`), Jinja comments blanked;
 * - `enabledReaders` applies the `config: enabled:` of a property file the load did not read for the model (out of
 *   the review's focus): dbt's precedence is `config(enabled=...)` in the SQL over the property file over
 *   `dbt_project.yml`.
 */
import { booleanOf } from '../dbt/configMerge.js';
import { textMentionsModel } from '../dbt/focusedYaml.js';
import { scanJinjaTags } from '../dbt/jinja/template-scan.js';
import { entryEnabled, propertiesPathOf } from '../dbt/modelBuilder.js';
import { readPropertyFile } from '../dbt/propertyFile.js';
import { containsComputed } from '../dbt/pyLiteral.js';
import { extractRefs } from '../dbt/refs.js';
import { projectFilesOf } from '../dbt/seedsSnapshots.js';
import { LineIndex, relativeTo } from '../dbt/textLines.js';
import type { DbtModel, DbtProject, RefCall } from '../dbt/types.js';

/**
 * The first ref to `name` (in the model's own project) that `raw` calls outside any block that may not render at
 * parse time; undefined when every such ref sits in one.
 */
export function refRendered(raw: string, name: string, projectName: string, language: DbtModel['language'] = 'sql'): RefCall | undefined {
  // (a Python model has no Jinja: each `dbt.ref()` is called)
  const text = language === 'python' ? raw : withUnrenderedBlanked(raw);
  return extractRefs(text, new LineIndex(text)).find((r) => r.name === name && (r.package === undefined || r.package === projectName));
}

/** A literal `true` condition (`{% if true %}`, `{% if 1 %}`): its first branch renders. */
const ALWAYS = /^(?:true|True|1)$/;
/** `for x in [...]` / `(...)` over a literal, non-empty list of literals: its body renders. */
const LITERAL_LIST = /^(?:\[\s*(?:'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?)(?:\s*,\s*(?:'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?))*\s*,?\s*\]|\(\s*(?:'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?)(?:\s*,\s*(?:'[^']*'|"[^"]*"|-?\d+(?:\.\d+)?))*\s*,?\s*\))$/;
/** Block tags whose body renders where it stands. */
const RENDERED_BLOCKS = new Set(['filter', 'with', 'autoescape']);
/** Block tags whose body renders only when called, or never. */
const UNRENDERED_BLOCKS = new Set(['macro', 'call', 'raw', 'materialization', 'test', 'snapshot']);

/**
 * `raw` with its Jinja comments and the bodies of the blocks that may not render at parse time replaced by spaces
 * (newlines kept, so lines stay). A block's opening tag (an `if` condition) stays: it is evaluated.
 */
export function withUnrenderedBlanked(raw: string): string {
  if (!raw.includes('{')) return raw;
  const tags = scanJinjaTags(raw);
  const blank: [number, number][] = [];
  /** The open blocks: their end tag, whether their body renders (so far), where the current unrendered part starts. */
  const open: { end: string; renders: boolean; from: number }[] = [];
  /** Depth of the outermost block whose current part does not render (-1: none). */
  let hiddenAt = -1;
  const hide = (from: number, to: number) => {
    if (to > from) blank.push([from, to]);
  };
  for (const tag of tags) {
    if (tag.kind === 'comment') {
      if (hiddenAt < 0) hide(tag.start, tag.end);
      continue;
    }
    if (tag.kind !== 'statement') continue;
    const body = tag.body.replace(/^[-+]?\s*/, '').replace(/\s*[-+]?$/, '');
    const word = /^[A-Za-z_]\w*/.exec(body)?.[0] ?? '';
    const rest = body.slice(word.length).trim();
    const top = open.at(-1);
    if (top && word === top.end) {
      open.pop();
      if (hiddenAt === open.length) {
        hide(top.from, tag.start);
        hiddenAt = -1;
      }
      continue;
    }
    // (`elif` / `else` of an `if`, `else` of a `for`: the next part of the innermost block)
    if (top && (word === 'elif' || word === 'else') && (top.end === 'endif' || top.end === 'endfor')) {
      if (top.renders) {
        top.renders = false;
        if (hiddenAt < 0) {
          hiddenAt = open.length - 1;
          top.from = tag.end;
        }
      }
      continue;
    }
    let renders: boolean | undefined;
    if (word === 'if') renders = ALWAYS.test(rest);
    else if (word === 'for') renders = LITERAL_LIST.test(rest.replace(/^.*?\bin\s+/, '').replace(/\s+recursive$/, '').trim());
    else if (word === 'set') renders = rest.includes('=') ? undefined : true;
    else if (RENDERED_BLOCKS.has(word)) renders = true;
    else if (UNRENDERED_BLOCKS.has(word)) renders = false;
    if (renders === undefined) continue;
    open.push({ end: `end${word}`, renders, from: tag.end });
    if (!renders && hiddenAt < 0) hiddenAt = open.length - 1;
  }
  // (an unclosed block: hidden to the end, as dbt would not parse it either)
  if (hiddenAt >= 0) hide(open[hiddenAt]!.from, raw.length);
  if (blank.length === 0) return raw;
  let out = '';
  let at = 0;
  for (const [from, to] of blank) {
    out += raw.slice(at, from) + raw.slice(from, to).replace(/[^\n]/g, ' ');
    at = to;
  }
  return out + raw.slice(at);
}

/**
 * Of `models` (enabled as the load has them), those dbt enables: a model whose entry the load did not read and whose
 * SQL does not set `enabled` takes the `config: enabled:` of its entry in a property file of its project's model
 * paths (`dbt_project.yml` comes last). A computed value leaves the model out (it may be disabled). The property files
 * are read once, only the ones that mention one of the models.
 */
export function enabledReaders(
  models: readonly DbtModel[],
  { project, readFile, listFiles }: { project: DbtProject; readFile: (path: string) => string | undefined; listFiles: () => readonly string[] },
): Set<DbtModel> {
  const enabled = new Set<DbtModel>();
  const unknown: DbtModel[] = [];
  for (const model of models) {
    if (!model.enabled) continue;
    if (propertiesPathOf(model) !== undefined || model.version !== undefined || model.config.enabled?.level === 'sql') enabled.add(model);
    else unknown.push(model);
  }
  if (unknown.length === 0) return enabled;
  const names = new Set(unknown.map((m) => m.name));
  const lowerNames = new Set([...names].map((n) => n.toLowerCase()));
  const inModelPaths = (rel: string) => project.modelPaths.some((m) => relativeTo(rel, m) !== undefined);
  /** The `config: enabled:` of each model's first entry (dbt rejects a second), by name (null: not set). */
  const found = new Map<string, unknown>();
  for (const { path, rel } of projectFilesOf(project.root, listFiles())) {
    if (!/\.ya?ml$/i.test(path) || !inModelPaths(rel)) continue;
    const text = readFile(path);
    if (text === undefined || !/^models\s*:/m.test(text) || !textMentionsModel(text, lowerNames)) continue;
    const result = readPropertyFile(text, path);
    if (result.kind !== 'properties') continue;
    for (const entry of result.content.models) if (names.has(entry.name) && !found.has(entry.name)) found.set(entry.name, entryEnabled(entry) ?? null);
  }
  for (const model of unknown) {
    const value = found.get(model.name);
    if (value === undefined || value === null || (!containsComputed(value) && booleanOf(value) !== false)) enabled.add(model);
  }
  return enabled;
}
