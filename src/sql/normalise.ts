/**
 * The normaliser: rewrites warehouse idioms that node-sql-parser's grammars lack into equivalent forms they accept.
 *
 * Every rewrite keeps the number of newlines of the text it replaces (they are re-emitted after the replacement),
 * so a line of the normalised SQL is the same line of the original: lines reported from the AST point at the file.
 * Information a rewrite would lose is carried in the output (`typeAliases`, `extraFilters`) or kept inside the
 * rewritten SQL as a string argument, so the canonical comparison still sees it.
 */
import type { Dialect } from '../config.js';
import { GRAMMAR_TYPES, placeholderTypes, type Grammar } from './dialect.js';
import { blankAndTokenize, matchingClose, splitTopLevel, wordOf, type Token } from './lexer.js';

export interface NormalisedSql {
  sql: string;
  /** Placeholder cast type (lower case) -> the type written in the SQL (e.g. `regclass` -> `variant`). */
  typeAliases: Record<string, string>;
  /** Row-set clauses removed from the text because the grammar lacks them (e.g. `sample (10)`), with their line. */
  extraFilters: { text: string; line: number }[];
  /** Names of the rewrites applied (for diagnostics and tests). */
  rewrites: string[];
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const CAST_FUNCS = new Set(['cast', 'try_cast', 'safe_cast']);
/** The words (lower case) that can start a rewrite of the loop in `normaliseSql`. */
const REWRITE_WORDS = new Set([...CAST_FUNCS, 'within', 'ignore', 'respect', 'replace', 'rename', 'rlike', 'minus', 'sample', 'tablesample', 'lateral']);
/**
 * `REWRITE_WORDS.has(text.toLowerCase())`, without lower-casing most words: those words are 4 to 11 letters long
 * and start with c, i, l, m, r, s, t or w (only ASCII letters lower-case to them).
 */
function isRewriteWord(text: string): boolean {
  const n = text.length;
  if (n < 4 || n > 11) return false;
  const c = text.charCodeAt(0) | 0x20;
  if (c !== 99 && c !== 105 && c !== 108 && c !== 109 && c !== 114 && c !== 115 && c !== 116 && c !== 119) return false;
  return REWRITE_WORDS.has(text.toLowerCase());
}
const MULTIWORD_TYPES: Record<string, string[]> = {
  double: ['precision'],
  timestamp: ['with', 'without', 'time', 'zone', 'local'],
  time: ['with', 'without', 'time', 'zone'],
  character: ['varying'],
};

/** Rewrites `sql` (already rendered, in `dialect`) so that `grammar` can parse it. */
export function normaliseSql(sql: string, dialect: Dialect, grammar: Grammar): NormalisedSql {
  const { blanked, tokens } = blankAndTokenize(sql, dialect);
  const edits: Edit[] = [];
  const rewrites = new Set<string>();
  const typeAliases: Record<string, string> = {};
  const extraFilters: { text: string; line: number }[] = [];
  // the placeholder types the SQL does not use, found when a type first needs one
  let free: string[] | undefined;
  const aliasOf = new Map<string, string>();
  const supported = GRAMMAR_TYPES[grammar];
  const edit = (start: number, end: number, text: string, name: string): void => {
    edits.push({ start, end, text });
    rewrites.add(name);
  };

  const placeholderFor = (typeText: string): string | undefined => {
    const key = typeText.toLowerCase().replace(/\s+/g, ' ');
    let p = aliasOf.get(key);
    if (!p) {
      free ??= placeholderTypes(grammar, blanked.toLowerCase());
      p = free.shift();
      if (!p) return undefined;
      aliasOf.set(key, p);
      typeAliases[p] = key;
    }
    return p;
  };

  /** Handles a type starting at token index `k`; returns the index after it. */
  const rewriteType = (k: number): number => {
    const first = tokens[k];
    if (!first || first.kind !== 'word') return k + 1;
    const name = first.text.toLowerCase();
    let end = k + 1;
    const extra = MULTIWORD_TYPES[name];
    if (extra) while (extra.includes(wordOf(tokens[end]))) end++;
    // generic parameters: array<string>, struct<a int64>
    if (tokens[end]?.text === '<') {
      let depth = 0;
      for (; end < tokens.length; end++) {
        const t = tokens[end]!.text;
        if (t === '<') depth++;
        else if (t === '>') {
          depth--;
          if (depth === 0) {
            end++;
            break;
          }
        } else if (t === '>>') {
          depth -= 2;
          if (depth <= 0) {
            end++;
            break;
          }
        }
      }
    }
    const multi = end - k > 1;
    let afterParams = end;
    if (tokens[end]?.text === '(') {
      const close = matchingClose(tokens, end);
      if (close > 0) afterParams = close + 1;
    }
    if (!multi && supported.has(name)) return afterParams;
    if (multi && supported.has(name) && grammar !== 'bigquery' && tokens[end - 1]?.text !== '>') return afterParams;
    const typeText = blanked.slice(first.start, tokens[end - 1]!.end);
    const placeholder = placeholderFor(typeText);
    if (placeholder) edit(first.start, tokens[afterParams - 1]!.end, placeholder, 'cast-type');
    return afterParams;
  };

  const startOfPrimary = (k: number): number => {
    // k is the last token of a primary expression; walk back over `a.b.c` chains and `f(...)` calls.
    let s = k;
    const t = tokens[s];
    if (t && t.text === ')') {
      let depth = 0;
      for (; s >= 0; s--) {
        const x = tokens[s]!.text;
        if (x === ')') depth++;
        else if (x === '(') {
          depth--;
          if (depth === 0) break;
        }
      }
      if (s > 0 && (tokens[s - 1]!.kind === 'word' || tokens[s - 1]!.kind === 'quoted')) s--;
    }
    while (s >= 2 && tokens[s - 1]!.text === '.' && (tokens[s - 2]!.kind === 'word' || tokens[s - 2]!.kind === 'quoted')) s -= 2;
    return s;
  };

  const endsPrimary = (t: Token | undefined): boolean =>
    !!t && (t.kind === 'word' || t.kind === 'quoted' || t.text === ')' || t.text === ']');

  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k]!;
    // most tokens start no rewrite below: skip them without the checks
    const kind = t.kind;
    if (kind === 'word') {
      if (!isRewriteWord(t.text)) continue;
    } else if (kind === 'op') {
      if (t.text !== '::' && t.text !== ':') continue;
    } else if (kind === 'punct') {
      if (t.text !== '[') continue;
    } else if (kind === 'number') continue;
    const w = wordOf(t);
    // casts: x::type, cast(x as type)
    if (t.text === '::') {
      k = rewriteType(k + 1) - 1;
      continue;
    }
    if (CAST_FUNCS.has(w) && tokens[k + 1]?.text === '(') {
      const close = matchingClose(tokens, k + 1);
      let depth = 0;
      for (let j = k + 1; j < close; j++) {
        const x = tokens[j]!.text;
        if (x === '(') depth++;
        else if (x === ')') depth--;
        else if (depth === 1 && wordOf(tokens[j]) === 'as') {
          rewriteType(j + 1);
          break;
        }
      }
      if (w === 'safe_cast' && grammar !== 'bigquery') edit(t.start, t.end, 'try_cast', 'safe-cast');
      continue;
    }
    // Snowflake semi-structured access: col:a.b[0]::t  ->  get_path(col, 'a.b[0]')::t
    if (dialect === 'snowflake' && t.text === ':' && endsPrimary(tokens[k - 1]) && tokens[k + 1] && (tokens[k + 1]!.kind === 'word' || tokens[k + 1]!.kind === 'quoted')) {
      let s = k - 1;
      // include subscripts before the colon: x[0]:a
      while (tokens[s]?.text === ']') {
        let depth = 0;
        for (; s >= 0; s--) {
          const x = tokens[s]!.text;
          if (x === ']') depth++;
          else if (x === '[') {
            depth--;
            if (depth === 0) break;
          }
        }
        s--;
      }
      const primaryStart = startOfPrimary(s);
      const firstBracket = tokens.findIndex((x, idx) => idx > s && idx < k && x.text === '[');
      const primaryEnd = firstBracket > 0 ? firstBracket : k;
      let path = '';
      for (let j = primaryEnd; j < k; j++) path += tokens[j]!.text;
      let e = k + 1;
      path += tokens[e]!.text;
      e++;
      for (;;) {
        const x = tokens[e];
        if (x && (x.text === '.' || x.text === ':') && tokens[e + 1] && (tokens[e + 1]!.kind === 'word' || tokens[e + 1]!.kind === 'quoted')) {
          path += '.' + tokens[e + 1]!.text;
          e += 2;
        } else if (x && x.text === '[') {
          const close = matchingClose(tokens, e);
          if (close < 0) break;
          path += blanked.slice(x.start, tokens[close]!.end);
          e = close + 1;
        } else break;
      }
      const primaryText = blanked.slice(tokens[primaryStart]!.start, tokens[primaryEnd - 1]!.end);
      const quoted = path.replace(/\s+/g, '').replace(/'/g, "''").replace(/^:/, '');
      edit(tokens[primaryStart]!.start, tokens[e - 1]!.end, `get_path(${primaryText}, '${quoted}')`, 'json-path');
      k = e - 1;
      continue;
    }
    // array literal [1, 2] outside BigQuery
    if (t.text === '[' && grammar !== 'bigquery' && !endsPrimary(tokens[k - 1])) {
      const close = matchingClose(tokens, k);
      if (close > 0) {
        edit(t.start, t.end, 'array_construct(', 'array-literal');
        edit(tokens[close]!.start, tokens[close]!.end, ')', 'array-literal');
      }
      continue;
    }
    // listagg(x, ',') within group (order by y)  ->  __within_group(listagg(x, ','), 'order by y')
    if (w === 'within' && wordOf(tokens[k + 1]) === 'group' && tokens[k + 2]?.text === '(' && tokens[k - 1]?.text === ')') {
      const close = matchingClose(tokens, k + 2);
      let fnOpen = -1;
      let depth = 0;
      for (let j = k - 1; j >= 0; j--) {
        const x = tokens[j]!.text;
        if (x === ')') depth++;
        else if (x === '(') {
          depth--;
          if (depth === 0) {
            fnOpen = j;
            break;
          }
        }
      }
      const fnName = wordOf(tokens[fnOpen - 1]);
      const nativeWithin = (grammar === 'snowflake' || grammar === 'postgresql' || grammar === 'redshift') &&
        (fnName === 'percentile_cont' || fnName === 'percentile_disc' || fnName === 'mode');
      if (close > 0 && fnOpen > 0 && !nativeWithin) {
        const inner = blanked.slice(tokens[k + 3]!.start, tokens[close - 1]!.end).replace(/\s+/g, ' ').toLowerCase().replace(/'/g, "''");
        edit(tokens[fnOpen - 1]!.start, tokens[fnOpen - 1]!.start, '__within_group(', 'within-group');
        edit(tokens[k - 1]!.end, tokens[close]!.end, `, '${inner}')`, 'within-group');
        k = close;
      }
      continue;
    }
    // f(x ignore nulls) -> f(x) ignore nulls (or dropped where the grammar has neither form)
    if ((w === 'ignore' || w === 'respect') && wordOf(tokens[k + 1]) === 'nulls' && tokens[k + 2]?.text === ')') {
      const keepOutside = grammar === 'snowflake' || grammar === 'postgresql' || grammar === 'redshift';
      edit(t.start, tokens[k + 1]!.end, '', 'ignore-nulls');
      if (keepOutside) edit(tokens[k + 2]!.end, tokens[k + 2]!.end, ` ${w} nulls`, 'ignore-nulls');
      k += 2;
      continue;
    }
    // * replace (expr as c) / * rename (a as b) on Snowflake's grammar
    if ((w === 'replace' || w === 'rename') && grammar !== 'bigquery' && tokens[k - 1]?.text === '*' && tokens[k + 1]?.text === '(') {
      const close = matchingClose(tokens, k + 1);
      if (close > 0) {
        const items = splitTopLevel(tokens, k + 2, close);
        const names: string[] = [];
        const exprs: string[] = [];
        for (const [a, b] of items) {
          let asAt = -1;
          for (let j = b - 1; j >= a; j--) if (wordOf(tokens[j]) === 'as') { asAt = j; break; }
          if (asAt < 0) continue;
          const exprText = blanked.slice(tokens[a]!.start, tokens[asAt - 1]!.end);
          const alias = blanked.slice(tokens[asAt + 1]!.start, tokens[b - 1]!.end);
          names.push(w === 'replace' ? alias : exprText);
          exprs.push(`${exprText} as ${alias}`);
        }
        const qualifier = tokens[k - 2]?.text === '.' ? blanked.slice(tokens[startOfPrimary(k - 3)]!.start, tokens[k - 2]!.end) : '';
        const prefixed = exprs.map((x) => (qualifier && /^[A-Za-z_"`][\w"`]*\s+as/i.test(x) ? qualifier + x : x));
        edit(t.start, tokens[close]!.end, `exclude (${names.join(', ')}), ${prefixed.join(', ')}`, `star-${w}`);
        k = close;
      }
      continue;
    }
    if (w === 'rlike' && grammar !== 'hive') {
      edit(t.start, t.end, 'regexp', 'rlike');
      continue;
    }
    if (w === 'minus' && tokens[k + 1] && /^(select|\()$/i.test(tokens[k + 1]!.text)) {
      edit(t.start, t.end, 'except', 'minus');
      continue;
    }
    // Snowflake/Databricks table sampling: drop from the text, keep as a row-set clause
    if ((w === 'sample' || w === 'tablesample') && grammar === 'snowflake' && tokens[k - 1] && (tokens[k - 1]!.kind === 'word' || tokens[k - 1]!.kind === 'quoted' || tokens[k - 1]!.text === ')')) {
      let e = k + 1;
      if (['bernoulli', 'row', 'system', 'block'].includes(wordOf(tokens[e]))) e++;
      if (tokens[e]?.text !== '(') continue;
      let close = matchingClose(tokens, e);
      if (close < 0) continue;
      if (['seed', 'repeatable'].includes(wordOf(tokens[close + 1])) && tokens[close + 2]?.text === '(') {
        const c2 = matchingClose(tokens, close + 2);
        if (c2 > 0) close = c2;
      }
      const text = blanked.slice(t.start, tokens[close]!.end).replace(/\s+/g, ' ').toLowerCase();
      extraFilters.push({ text, line: t.line });
      edit(t.start, tokens[close]!.end, '', 'sample');
      k = close;
      continue;
    }
    // Databricks: lateral view [outer] explode(x) t as c  ->  cross join (select explode(x) as c) t
    if (w === 'lateral' && wordOf(tokens[k + 1]) === 'view') {
      let e = k + 2;
      const outer = wordOf(tokens[e]) === 'outer';
      if (outer) e++;
      const fnStart = e;
      if (tokens[e + 1]?.text !== '(') continue;
      const close = matchingClose(tokens, e + 1);
      if (close < 0) continue;
      const call = blanked.slice(tokens[fnStart]!.start, tokens[close]!.end);
      let j = close + 1;
      const alias = tokens[j] && tokens[j]!.kind !== 'punct' && wordOf(tokens[j]) !== 'as' ? tokens[j]!.text : 'lateral_view';
      if (alias !== 'lateral_view') j++;
      const cols: string[] = [];
      if (wordOf(tokens[j]) === 'as') {
        j++;
        while (tokens[j] && (tokens[j]!.kind === 'word' || tokens[j]!.kind === 'quoted')) {
          cols.push(tokens[j]!.text);
          if (tokens[j + 1]?.text === ',' && tokens[j + 2] && /^(word|quoted)$/.test(tokens[j + 2]!.kind) && !isClauseWord(wordOf(tokens[j + 2]))) j += 2;
          else {
            j++;
            break;
          }
        }
      }
      const select = cols.length > 1 ? cols.map((c, idx) => `${call}[${idx}] as ${c}`).join(', ') : `${call} as ${cols[0] ?? 'col'}`;
      edit(t.start, tokens[j - 1]!.end, `${outer ? 'left join' : 'cross join'} (select ${select}) ${alias}${outer ? ' on true' : ''}`, 'lateral-view');
      k = j - 1;
      continue;
    }
    // quoting: backtick identifiers for grammars that quote with double quotes; BigQuery "strings"
    if (t.kind === 'quoted' && t.text.startsWith('`') && grammar !== 'bigquery' && grammar !== 'hive') {
      edit(t.start, t.end, '"' + t.text.slice(1, -1).replace(/"/g, '""') + '"', 'quote-identifiers');
      continue;
    }
    if (t.kind === 'string' && t.text.startsWith('"') && grammar !== 'bigquery') {
      edit(t.start, t.end, "'" + t.text.slice(1, -1).replace(/'/g, "''") + "'", 'quote-strings');
      continue;
    }
  }

  return { sql: applyEdits(blanked, edits), typeAliases, extraFilters, rewrites: [...rewrites] };
}

const CLAUSE_WORDS = new Set(['where', 'group', 'having', 'qualify', 'order', 'limit', 'lateral', 'join', 'left', 'right', 'inner', 'full', 'cross', 'union', 'window']);
function isClauseWord(w: string): boolean {
  return CLAUSE_WORDS.has(w);
}

/** Applies non-overlapping edits; each keeps the newlines of the text it replaces. */
function applyEdits(text: string, edits: Edit[]): string {
  if (edits.length === 0) return text;
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const e of sorted) {
    if (e.start < at) continue; // overlapping: the first edit wins
    out += text.slice(at, e.start);
    const replaced = text.slice(e.start, e.end);
    const newlines = replaced.split('\n').length - 1;
    out += e.text + '\n'.repeat(newlines);
    at = e.end;
  }
  return out + text.slice(at);
}
