/**
 * SQL style rules read from the raw model text (Jinja kept opaque, so they work even when rendering fails):
 * `hardcoded-relation`, `trailing-semicolon`, `select-star`.
 */
import type { DbtModel, DbtProject } from '../dbt/types.js';
import type { Suggestion } from '../review/types.js';
import { code, dialectOf, hasHead, isSqlModel } from './model-facts.js';
import { analyseSql, cteColumnsExplicit, singleCteSource, type Factor, type SelectUnit, type SqlStructure } from './sql-structure.js';
import { identifierKey, lexSql, type Token } from './sql-tokens.js';
import type { CheckContext, Rule, RuleHit } from './types.js';

const structures = new WeakMap<DbtModel, SqlStructure>();

function structureOf(ctx: CheckContext): SqlStructure {
  let s = structures.get(ctx.model);
  if (!s) {
    s = analyseSql(ctx.model.raw, dialectOf(ctx));
    structures.set(ctx.model, s);
  }
  return s;
}

function appliesTo(ctx: CheckContext): boolean {
  return hasHead(ctx) && isSqlModel(ctx);
}

/** Pseudo-tables that are not relations of the warehouse. */
const PSEUDO_TABLES = new Set(['dual']);

export const hardcodedRelation: Rule = {
  id: 'hardcoded-relation',
  defaultSeverity: 'warning',
  origin: 'rule',
  description:
    'A FROM/JOIN reads a table by its literal name instead of `ref()`/`source()`: dbt cannot see the dependency (build order, lineage, `state:modified+`) and the model cannot follow environments.',
  run(ctx) {
    if (!appliesTo(ctx)) return [];
    const s = structureOf(ctx);
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const unit of s.units) {
      for (const factor of unit.factors) {
        if (!isHardcoded(s, factor)) continue;
        const first = factor.parts[0]!;
        const last = factor.parts[factor.parts.length - 1]!;
        const text = ctx.model.raw.slice(first.start, last.end);
        const key = `${first.line}:${text}`;
        if (seen.has(key)) continue;
        seen.add(key);
        hits.push(hardcodedHit(ctx, factor.parts, text));
      }
    }
    return hits;
  },
};

function isHardcoded(s: SqlStructure, factor: Factor): boolean {
  if (factor.kind !== 'relation' || factor.parts.length === 0) return false;
  const head = identifierKey(factor.parts[0]!);
  if (s.ctes.has(head) || s.aliases.has(head)) return false; // CTE, or `alias.array_column` (BigQuery implicit unnest)
  if (factor.parts.length === 1) {
    if (PSEUDO_TABLES.has(head)) return false;
    // A macro call among the CTE definitions may define names we cannot see.
    if (s.opaqueJinjaAtTopLevel) return false;
  }
  return true;
}

function hardcodedHit(ctx: CheckContext, parts: Token[], text: string): RuleHit {
  const table = identifierKey(parts[parts.length - 1]!);
  const schema = parts.length >= 2 ? identifierKey(parts[parts.length - 2]!) : undefined;
  const source = matchingSource(ctx.project, schema, table);
  const model = ctx.project.models.find((m) => m.name.toLowerCase() === table && m.enabled && m.uniqueId !== ctx.model.uniqueId);
  let advice: string;
  let suggestion: Suggestion | undefined;
  if (source) {
    const call = `{{ source('${source.source}', '${source.table}') }}`;
    advice = `use \`${call}\` (the project already declares this source)`;
    suggestion = replaceOnLine(ctx.model.raw, parts, call);
  } else if (model) {
    advice = `use \`{{ ref('${model.name}') }}\` if it is the dbt model \`${model.name}\`, else declare it as a source and use \`{{ source('<source>', '${table}') }}\``;
  } else {
    advice = `declare it as a source in a property YAML (\`sources:\`) and use \`{{ source('<source>', '${table}') }}\`, or \`{{ ref('<model>') }}\` if a dbt model builds it`;
  }
  const hit: RuleHit = {
    rule: 'hardcoded-relation',
    model: ctx.model.name,
    path: ctx.model.path,
    line: parts[0]!.line,
    message: `${code(text)} is read by its literal name, so dbt does not know this dependency (build order, lineage, \`state:modified+\`) and the model reads the same table in every environment: ${advice}.`,
  };
  if (suggestion) hit.suggestion = suggestion;
  return hit;
}

/** A `source()` another model of the project already calls, whose source name and table match `schema.table`. */
function matchingSource(project: DbtProject, schema: string | undefined, table: string): { source: string; table: string } | undefined {
  if (schema === undefined) return undefined;
  const found = new Map<string, { source: string; table: string }>();
  for (const m of project.models) {
    for (const s of m.sources) {
      if (s.source.toLowerCase() === schema && s.table.toLowerCase() === table) found.set(`${s.source}.${s.table}`, s);
    }
  }
  return found.size === 1 ? [...found.values()][0] : undefined;
}

/** Replaces the text of `parts` (all on one line) by `replacement` on that line. */
function replaceOnLine(raw: string, parts: Token[], replacement: string): Suggestion | undefined {
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (first.line !== last.line) return undefined;
  const lineStart = raw.lastIndexOf('\n', first.start - 1) + 1;
  const nl = raw.indexOf('\n', last.end);
  const lineEnd = nl < 0 ? raw.length : nl;
  const lineText = raw.slice(lineStart, lineEnd).replace(/\r$/, '');
  const from = first.start - lineStart;
  const to = last.end - lineStart;
  return { startLine: first.line, endLine: first.line, replacement: lineText.slice(0, from) + replacement + lineText.slice(to) };
}

export const trailingSemicolon: Rule = {
  id: 'trailing-semicolon',
  defaultSeverity: 'error',
  origin: 'rule',
  description:
    'The model ends with `;` (or holds two statements). dbt wraps the model in `create ... as (...)` (and in CTEs for ephemeral models, unit tests and `dbt show`), where the semicolon is a syntax error on Postgres, Redshift, Snowflake, Databricks and others, so the build fails.',
  run(ctx) {
    if (!appliesTo(ctx)) return [];
    const tokens = lexSql(ctx.model.raw, { dialect: dialectOf(ctx) });
    const sql = tokens.filter((t) => !rendersNothing(t));
    const last = sql.at(-1);
    const hits: RuleHit[] = [];
    const separator = statementSeparator(tokens, last);
    if (separator) {
      hits.push({
        rule: 'trailing-semicolon',
        model: ctx.model.name,
        path: ctx.model.path,
        line: separator.line,
        message:
          'This `;` ends a statement and more SQL follows: dbt runs a model as one statement inside `create ... as (...)`, so the build fails. Keep one query in the model (other statements belong in hooks or macros).',
      });
    }
    if (last?.type === 'punct' && last.text === ';') {
      hits.push({
        rule: 'trailing-semicolon',
        model: ctx.model.name,
        path: ctx.model.path,
        line: last.line,
        message:
          'Remove the trailing `;`: dbt wraps the model in `create ... as (...)` and the semicolon makes that statement fail on most warehouses.',
        suggestion: removeChar(ctx.model.raw, last),
      });
    }
    return hits;
  },
};

/** A `{{ config(...) }}` call: it renders to nothing. */
const CONFIG_EXPR = /^\{\{-?\s*config\s*\(/;

/** Tokens that leave no SQL behind: comments, Jinja statements and comments, `{{ config(...) }}`. */
function rendersNothing(t: Token): boolean {
  return t.type === 'comment' || t.type === 'jinja-stmt' || t.type === 'jinja-comment' || (t.type === 'jinja-expr' && CONFIG_EXPR.test(t.text));
}

const BLOCK_OPEN = /^\{%-?\s*(?:set\s+[\w,\s]+-?%\}$|call\b|macro\b|materialization\b)/;
const BLOCK_CLOSE = /^\{%-?\s*end(?:set|call|macro|materialization)\b/;

/**
 * The first `;` of the model's own SQL that more SQL follows (two statements in one model), outside the blocks whose
 * SQL is not the model's (`{% set x %}`, `{% call statement() %}`, macros).
 */
function statementSeparator(tokens: readonly Token[], last: Token | undefined): Token | undefined {
  let depth = 0;
  for (const t of tokens) {
    if (t === last) return undefined;
    if (t.type === 'jinja-stmt') {
      if (BLOCK_OPEN.test(t.text)) depth += 1;
      else if (BLOCK_CLOSE.test(t.text)) depth = Math.max(0, depth - 1);
    } else if (depth === 0 && t.type === 'punct' && t.text === ';') return t;
  }
  return undefined;
}

function removeChar(raw: string, token: Token): Suggestion {
  const lineStart = raw.lastIndexOf('\n', token.start - 1) + 1;
  const nl = raw.indexOf('\n', token.end);
  const lineText = raw.slice(lineStart, nl < 0 ? raw.length : nl).replace(/\r$/, '');
  const offset = token.start - lineStart;
  const rest = (lineText.slice(0, offset) + lineText.slice(offset + 1)).replace(/\s+$/, '');
  // An empty replacement deletes the line.
  return { startLine: token.line, endLine: token.line, replacement: rest };
}

export const selectStar: Rule = {
  id: 'select-star',
  defaultSeverity: 'warning',
  origin: 'rule',
  description:
    '`select *` outside an import CTE (`x as (select * from {{ ref(...) }})`) or a final `select * from <cte>` whose columns are listed: the model\'s output changes silently when an upstream relation changes. Staging models get no exemption: they are where columns are listed and renamed.',
  run(ctx) {
    if (!appliesTo(ctx)) return [];
    const s = structureOf(ctx);
    const hits: RuleHit[] = [];
    for (const unit of s.units) {
      if (unit.stars.length === 0) continue;
      const verdict = judgeStar(s, unit);
      if (verdict === 'ok') continue;
      hits.push({
        rule: 'select-star',
        model: ctx.model.name,
        path: ctx.model.path,
        line: unit.stars[0]!.line,
        message: verdict,
      });
    }
    return hits;
  },
};

/** Jinja that names a dbt relation: `{{ ref(...) }}`, `{{ source(...) }}`, `{{ this }}`. */
const IMPORT_RELATION = /^\{\{-?\s*(?:(?:ref|source)\s*\(|this\s*-?\}\}$)/;

const FIX = 'list the columns explicitly, so a new or changed upstream column does not silently change this model\'s output';

/** 'ok' or the message for a star select. */
function judgeStar(s: SqlStructure, unit: SelectUnit): string {
  const where = unit.frame.cte !== undefined ? `in CTE \`${unit.frame.cte}\`` : unit.frame === s.root ? 'in the final select' : 'in a subquery';
  if (unit.onlyStar && !unit.joined && unit.factors.length === 1) {
    const factor = unit.factors[0]!;
    // Import CTE (or derived table): `x as (select * from {{ ref('y') }})`.
    if (unit.frame !== s.root && factor.kind === 'jinja' && IMPORT_RELATION.test(factor.jinja ?? '')) return 'ok';
    const cte = singleCteSource(s, unit);
    if (cte !== undefined) {
      if (cteColumnsExplicit(s, cte)) return 'ok';
      return `\`select *\` ${where} passes every column of CTE \`${cte}\` through, and \`${cte}\` itself selects \`*\` from an upstream relation: ${FIX}.`;
    }
  }
  const reads = unit.joined ? ' over a join' : '';
  return `\`select *\`${reads} ${where}: ${FIX} (\`select *\` is fine in import CTEs that read a \`ref()\`/\`source()\` and in a final \`select * from <cte>\`).`;
}
