/**
 * The fast Snowflake parser must return exactly node-sql-parser's AST (same keys, key order, nulls, locations,
 * statement wrappers) or decline with `undefined`. The ground truth is the PEG parser itself, run on the corpus
 * of SQL the project really parses and on deterministic mutations of it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fastParseSnowflake } from '../../../src/sql/fast/index.js';
import { prng, queryGenerator } from './sql-generator.js';

interface Entry {
  source: 'tests' | 'eval' | 'bench';
  sql: string;
}

const corpus = JSON.parse(readFileSync(new URL('./snowflake-corpus.json', import.meta.url), 'utf8')) as Entry[];

const require = createRequire(import.meta.url);
const { Parser } = require('node-sql-parser/build/snowflake.js') as { Parser: new () => { astify(sql: string, opt: object): unknown } };
const parser = new Parser();
const OPTIONS = { database: 'snowflake', trimQuery: false, parseOptions: { includeLocations: true } };

const PEG_ERROR = Symbol('peg error');
function peg(sql: string): unknown {
  try {
    return parser.astify(sql, OPTIONS);
  } catch {
    return PEG_ERROR;
  }
}

/** Asserts the contract for one input; returns whether the fast parser accepted it. */
function check(sql: string): boolean {
  const fast = fastParseSnowflake(sql);
  if (fast === undefined) return false;
  const expected = peg(sql);
  if (expected === PEG_ERROR) throw new Error(`fast parser accepted SQL the PEG parser rejects: ${JSON.stringify(sql)}`);
  expect(JSON.stringify(fast), sql).toBe(JSON.stringify(expected));
  expect(fast, sql).toStrictEqual(expected);
  return true;
}

/** Acceptance floors (the counts reached when this test was written, minus a small margin). */
const FLOORS: Record<Entry['source'], number> = { tests: 305, eval: 57, bench: 148 };

describe('fastParseSnowflake on the corpus', () => {
  it('returns the PEG parser AST or undefined for every entry, and accepts most of them', () => {
    const accepted: Record<string, number> = { tests: 0, eval: 0, bench: 0 };
    for (const entry of corpus) {
      if (check(entry.sql)) accepted[entry.source] = (accepted[entry.source] ?? 0) + 1;
    }
    for (const source of Object.keys(FLOORS) as Entry['source'][]) {
      expect(accepted[source], `accepted ${source} entries`).toBeGreaterThanOrEqual(FLOORS[source]);
    }
  });

  it('declines everything the PEG parser rejects', () => {
    let rejected = 0;
    for (const entry of corpus) {
      if (peg(entry.sql) !== PEG_ERROR) continue;
      rejected++;
      expect(fastParseSnowflake(entry.sql), entry.sql).toBeUndefined();
    }
    expect(rejected).toBeGreaterThan(50);
  });

  it('handles statement shapes exactly (root array after `;`, wrappers inside WITH and subqueries)', () => {
    for (const sql of [
      'select 1',
      'select a from t;',
      'select a from t ;;  ',
      'with x as (select a from t1 q where q.b = 1), y as (select x.a from x join t2 z on z.a = x.a) select * from y',
      'select a from t where a in (select b from u, (select c from v) w) and exists (select 1)',
      'select a from t union all select b from u union select c from v order by 1 limit 5',
      "select trim(both 'x' from a), count(distinct a), listagg(a, ','), sum(a) over (order by b rows between 3 preceding and current row) from t",
      'select a::varchar::number(10,2) as x, (a + b)::int y, t.*, * from t',
    ]) {
      expect(check(sql), sql).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- mutations

const TOKEN = /'(?:[^']|'')*'|"[^"]*"|[A-Za-z_][A-Za-z0-9_$]*|\d+(?:\.\d+)?|::|<=|>=|<>|!=|\|\||\s+|./g;
const INSERTS = [
  'select', 'from', 'where', 'and', 'or', 'not', 'as', 'join', 'on', 'case', 'end', 'null', ',', '(', ')', 'union all',
  'group by', 'order by', 'over', 'is', 'in', '::', '-', '*', 'distinct', 'when', 'then', 'left', 'qualify', 'limit',
  '=', '.', "'x'", '1',
];

function* mutations(sql: string, seed: number): Generator<string> {
  const rnd = prng(seed);
  const tokens = sql.match(TOKEN) ?? [];
  const solid = tokens.flatMap((t, i) => (/^\s+$/.test(t) ? [] : [i]));
  if (solid.length === 0) return;
  const pick = (): number => solid[Math.floor(rnd() * solid.length)] as number;
  for (let m = 0; m < 15; m++) {
    const t = [...tokens];
    const i = pick();
    switch (m % 5) {
      case 0: // delete a token
        t.splice(i, 1);
        break;
      case 1: // duplicate a token
        t.splice(i, 0, t[i] as string, ' ');
        break;
      case 2: { // swap two adjacent tokens
        const j = solid[solid.indexOf(i) + 1];
        if (j === undefined) continue;
        [t[i], t[j]] = [t[j] as string, t[i] as string];
        break;
      }
      case 3: { // drop a closing parenthesis
        const closing = solid.filter((k) => tokens[k] === ')');
        if (closing.length === 0) continue;
        t.splice(closing[Math.floor(rnd() * closing.length)] as number, 1);
        break;
      }
      default: // insert a keyword or symbol
        t.splice(i, 0, ` ${INSERTS[Math.floor(rnd() * INSERTS.length)] as string} `);
    }
    yield t.join('');
  }
}

describe('fastParseSnowflake on mutated corpus entries', () => {
  it('is never different from the PEG parser (and declines what it rejects)', () => {
    let total = 0;
    let accepted = 0;
    corpus.forEach((entry, n) => {
      if (fastParseSnowflake(entry.sql) === undefined) return;
      for (const sql of mutations(entry.sql, n + 1)) {
        total++;
        if (check(sql)) accepted++;
      }
    });
    expect(total).toBeGreaterThan(4000);
    expect(accepted).toBeGreaterThan(300);
  });
});

describe('fastParseSnowflake on generated queries', () => {
  it('is never different from the PEG parser on thousands of generated dbt-style queries', () => {
    const next = queryGenerator(20_251_124);
    let accepted = 0;
    for (let i = 0; i < 2500; i++) {
      if (check(next())) accepted++;
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});
