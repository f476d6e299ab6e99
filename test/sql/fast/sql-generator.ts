/**
 * A small deterministic generator of dbt-style Snowflake queries (CTEs, joins, subqueries, window functions,
 * casts, CASE, set operations, odd spacing and casing) used to cross-check the fast parser against the PEG one.
 * Many outputs are deliberately invalid or unusual: the contract holds for those too.
 */

/** mulberry32 */
export function prng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TABLES = ['orders', 'customers', 'stg_x', 'db.sch.t', 'sch.t2', '"Quoted"', 'a', 'b'];
const ALIASES = ['o', 'c', 'x', 'a', 'b', 't', 'orders', 'customers'];
const COLUMNS = ['id', 'amount', 'status', 'a', 'b', 'created_at', '"Col"', 'value', 'x'];
const FUNCTIONS = ['coalesce', 'lower', 'iff', 'nvl', 'date_trunc', 'upper', 'md5', 'concat'];
const TYPES = ['varchar', 'number(10,2)', 'int', 'timestamp_ntz', 'date', 'float', 'boolean', 'regclass', 'varchar(20)', 'number'];

export function queryGenerator(seed: number): () => string {
  const rnd = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)] as T;
  const w = (): string => pick([' ', ' ', ' ', '\n  ', '  ', '\t', '']);
  const s = (): string => pick([' ', ' ', '\n', '  \n    ']);
  const k = (word: string): string => (rnd() < 0.3 ? word.toUpperCase() : word);
  let depth = 0;

  const colref = (): string => {
    const r = rnd();
    if (r < 0.5) return pick(COLUMNS);
    if (r < 0.85) return `${pick(ALIASES)}.${pick(COLUMNS)}`;
    return `${pick(['s', 'db'])}.${pick(ALIASES)}.${pick(COLUMNS)}`;
  };
  const args = (): string => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => expr()).join(`,${w()}`);
  const windowSpec = (): string => `(${pick(['', `partition by ${colref()}`, `partition by ${colref()}, ${colref()} order by ${colref()}`])}${pick(['', ` order by ${colref()}${pick(['', ' asc', ' desc nulls last'])}`])}${pick(['', ' rows between unbounded preceding and current row', ' rows unbounded preceding'])})`;

  function prim(): string {
    depth++;
    try {
      const r = rnd();
      if (depth > 4) return pick([colref(), '1', "'s'"]);
      if (r < 0.3) return colref();
      if (r < 0.38) return pick(['1', '0', '2.5', '.5', '-1', '100', '1e3', "'x'", "'it''s'", 'null', 'true', 'false']);
      if (r < 0.48) return `${pick(FUNCTIONS)}(${w()}${args()}${w()})`;
      if (r < 0.53) return `${pick(['sum', 'max', 'min', 'avg', 'count'])}(${pick(['', 'distinct '])}${expr()})${pick(['', '', ` over (partition by ${colref()})`, ` over (order by ${colref()} desc)`])}`;
      if (r < 0.56) return 'count(*)';
      if (r < 0.6) return `${pick(['row_number()', 'rank()', `lag(${colref()})`, `first_value(${colref()})`])} over ${windowSpec()}`;
      if (r < 0.66) return `${prim()}::${pick(TYPES)}`;
      if (r < 0.7) return `cast(${expr()} as ${pick(['varchar', 'int', 'number(38, 0)', 'date'])})`;
      if (r < 0.76) return `case${s()}${pick(['', `${colref()} `])}when ${expr()} then ${expr()}${pick(['', ` when ${expr()} then ${expr()}`])}${pick(['', ` else ${expr()}`])}${s()}end`;
      if (r < 0.84) return `(${w()}${expr()}${w()})`;
      if (r < 0.86) return `(${select(false)})`;
      if (r < 0.9) return pick(['current_date', 'current_timestamp()', 'current_timestamp', `trim(${colref()})`, `parse_json(${colref()})`]);
      if (r < 0.93) return `${pick(['-', 'not '])}${prim()}`;
      return colref();
    } finally {
      depth--;
    }
  }

  function expr(): string {
    if (depth > 5) return prim();
    depth++;
    try {
      const r = rnd();
      if (r < 0.45) return prim();
      if (r < 0.6) return `${prim()}${w()}${pick(['+', '-', '*', '/', '||', '%'])}${w()}${prim()}`;
      if (r < 0.72) return `${prim()}${w()}${pick(['=', '!=', '<>', '>=', '<', '>'])}${w()}${prim()}`;
      if (r < 0.8) return `${expr()}${s()}${k(pick(['and', 'or']))}${s()}${expr()}`;
      if (r < 0.84) return `${prim()} ${pick(['is null', 'is not null', 'is true'])}`;
      if (r < 0.88) return `${prim()} ${pick(['in', 'not in'])} (${pick([args(), select(false)])})`;
      if (r < 0.91) return `${prim()} ${pick(['between', 'not between'])} ${prim()} and ${prim()}`;
      if (r < 0.94) return `${prim()} ${pick(['like', 'ilike', 'not like'])} ${pick(["'%x'", colref()])}`;
      if (r < 0.96) return `${pick(['not ', ''])}exists (${select(false)})`;
      return prim();
    } finally {
      depth--;
    }
  }

  function item(): string {
    const r = rnd();
    if (r < 0.08) return '*';
    if (r < 0.14) return `${pick(ALIASES)}.*`;
    return expr() + pick(['', '', ` as ${pick(COLUMNS)}`, ` ${pick(['y', 'z', 'total'])}`]);
  }

  function tableRef(): string {
    const r = rnd();
    if (r < 0.12 && depth < 3) {
      depth++;
      const sub = `(${select(false)})${pick(['', ' sub', ' as sub'])}`;
      depth--;
      return sub;
    }
    if (r < 0.16) return `lateral flatten(input => ${colref()})${pick(['', ' f'])}`;
    return pick(TABLES) + pick(['', ` ${pick(ALIASES)}`, ` as ${pick(ALIASES)}`]);
  }

  function from(): string {
    let out = `${k('from')}${s()}${tableRef()}`;
    const n = Math.floor(rnd() * 3);
    for (let i = 0; i < n; i++) {
      out += s() + pick([
        `, ${tableRef()}`,
        `${k(pick(['join', 'left join', 'inner join', 'full outer join', 'right join']))} ${tableRef()} on ${expr()}`,
        `${k('join')} ${tableRef()} using (${pick(COLUMNS)})`,
        `cross join ${tableRef()}`,
      ]);
    }
    return out;
  }

  function select(top: boolean): string {
    depth++;
    let out = `${k('select')} ${pick(['', '', 'distinct '])}${Array.from({ length: 1 + Math.floor(rnd() * 4) }, item).join(`,${s()}`)}`;
    if (rnd() < 0.85) out += s() + from();
    if (rnd() < 0.4) out += `${s()}${k('where')} ${expr()}`;
    if (rnd() < 0.2) out += `${s()}${k('group by')} ${pick(['1', 'all', `${colref()}, ${colref()}`])}`;
    if (rnd() < 0.1) out += `${s()}having ${expr()}`;
    if (rnd() < 0.15) out += `${s()}qualify ${expr()}`;
    if (rnd() < 0.15) out += `${s()}order by ${colref()}${pick(['', ' desc', ' asc nulls first'])}`;
    if (rnd() < 0.1) out += `${s()}limit ${pick(['10', '5 offset 2'])}`;
    if (top && rnd() < 0.1) out += `${s()}union all${s()}${select(false)}`;
    depth--;
    return out;
  }

  return () => {
    depth = 0;
    let out = '';
    if (rnd() < 0.6) {
      const n = 1 + Math.floor(rnd() * 3);
      out = `${k('with')}${s()}${Array.from({ length: n }, (_, i) => `cte${i} as (${s()}${select(false)}${s()})`).join(`,${s()}`)}${s()}`;
    }
    return pick(['', '\n\n']) + out + select(true) + pick(['', '\n', ';', ' ;\n']);
  };
}
