/**
 * Base data types for contract comparisons: parameters are dropped (`varchar(2)` and `varchar(3)` are the same base
 * type) and common spellings of one type are folded (`integer`/`int4` -> `int`, `character varying`/`text`/`string` ->
 * `string`), so only a real change of type (`int` -> `text`) counts.
 */
const SYNONYMS: Record<string, string> = {
  integer: 'int',
  int4: 'int',
  int: 'int',
  int8: 'bigint',
  bigint: 'bigint',
  int2: 'smallint',
  smallint: 'smallint',
  'character varying': 'string',
  'char varying': 'string',
  varchar: 'string',
  nvarchar: 'string',
  text: 'string',
  string: 'string',
  character: 'char',
  char: 'char',
  bool: 'boolean',
  boolean: 'boolean',
  float8: 'double',
  'double precision': 'double',
  double: 'double',
  float64: 'double',
  float4: 'float',
  real: 'float',
  float: 'float',
  decimal: 'numeric',
  numeric: 'numeric',
  number: 'numeric',
  bignumeric: 'bignumeric',
  'timestamp without time zone': 'timestamp',
  timestamp_ntz: 'timestamp',
  datetime: 'timestamp',
  timestamp: 'timestamp',
  'timestamp with time zone': 'timestamp_tz',
  timestamptz: 'timestamp_tz',
  timestamp_tz: 'timestamp_tz',
  timestamp_ltz: 'timestamp_ltz',
  int64: 'bigint',
};

export function baseDataType(dataType: string): string {
  const withoutParams = dataType
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // `array<int>` / `struct<...>` keep their shape: compare the whole normalised text.
  if (/[<[]/.test(withoutParams)) return withoutParams.replace(/\s/g, '');
  return SYNONYMS[withoutParams] ?? withoutParams;
}

export function sameBaseDataType(a: string, b: string): boolean {
  return baseDataType(a) === baseDataType(b);
}
