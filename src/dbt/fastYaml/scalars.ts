/**
 * The value of a plain scalar as js-yaml 4.1.1's DEFAULT_SCHEMA resolves it (implicit types, in its order: null,
 * bool, int, float, timestamp, merge). The resolvers and constructors are js-yaml's own (lib/type/*.js), ported
 * as written; only the dispatch on the first character is new: no implicit type matches a scalar whose first
 * character none of them accepts, so most strings (`customer_id`, `not_null`) are returned without a test.
 *
 * Ported from js-yaml 4.1.1 (https://github.com/nodeca/js-yaml), MIT License, Copyright (C) 2011-2015 by Vitaly
 * Puzrin: the same checks in the same order are what makes the result exactly js-yaml's. Its license:
 * THIRD_PARTY_NOTICES.md (shipped with the package).
 */

/** `null`, `true`/`false`, a number, a Date, or the string itself. */
export function resolvePlain(data: string): unknown {
  const c = data.charCodeAt(0);
  if (c === 0x7e /* ~ */) return data.length === 1 ? null : data;
  if (c === 0x6e /* n */ || c === 0x4e /* N */) return data === 'null' || data === 'Null' || data === 'NULL' ? null : data;
  if (c === 0x74 /* t */ || c === 0x54 /* T */) return data === 'true' || data === 'True' || data === 'TRUE' ? true : data;
  if (c === 0x66 /* f */ || c === 0x46 /* F */) return data === 'false' || data === 'False' || data === 'FALSE' ? false : data;
  if ((c >= 0x30 && c <= 0x39) || c === 0x2d /* - */ || c === 0x2b /* + */ || c === 0x2e /* . */) {
    if (resolveYamlInteger(data)) return constructYamlInteger(data);
    if (resolveYamlFloat(data)) return constructYamlFloat(data);
    if (c >= 0x30 && c <= 0x39 && resolveYamlTimestamp(data)) return constructYamlTimestamp(data);
  }
  // (`<<` resolves to the merge type, whose value is the string itself)
  return data;
}

// ---------------------------------------------------------------- int (lib/type/int.js)

function isHexCode(c: number): boolean {
  return (0x30 <= c && c <= 0x39) || (0x41 <= c && c <= 0x46) || (0x61 <= c && c <= 0x66);
}

function isOctCode(c: number): boolean {
  return 0x30 <= c && c <= 0x37;
}

function isBinCode(c: number): boolean {
  return c === 0x30 || c === 0x31;
}

/** Whether `data` from `from` on is digits (`isDigit`) and `_` separators, with a digit, not ending with `_`. */
function prefixedDigits(data: string, from: number, isDigit: (c: number) => boolean): boolean {
  let hasDigits = false;
  let ch: string | undefined;
  for (let index = from; index < data.length; index++) {
    ch = data[index];
    if (ch === '_') continue;
    if (!isDigit(data.charCodeAt(index))) return false;
    hasDigits = true;
  }
  return hasDigits && ch !== '_';
}

function isDecCode(c: number): boolean {
  return 0x30 <= c && c <= 0x39;
}

function resolveYamlInteger(data: string): boolean {
  const max = data.length;
  let index = 0;
  let hasDigits = false;
  if (!max) return false;
  let ch: string | undefined = data[index];
  // sign
  if (ch === '-' || ch === '+') ch = data[++index];
  if (ch === '0') {
    // 0
    if (index + 1 === max) return true;
    ch = data[++index];
    // base 2, base 8, base 16
    if (ch === 'b') return prefixedDigits(data, index + 1, isBinCode);
    if (ch === 'x') return prefixedDigits(data, index + 1, isHexCode);
    if (ch === 'o') return prefixedDigits(data, index + 1, isOctCode);
  }
  // base 10 (except 0); value should not start with `_`
  if (ch === '_') return false;
  for (; index < max; index++) {
    ch = data[index];
    if (ch === '_') continue;
    if (!isDecCode(data.charCodeAt(index))) return false;
    hasDigits = true;
  }
  // Should have digits and should not end with `_`
  if (!hasDigits || ch === '_') return false;
  return true;
}

function constructYamlInteger(data: string): number {
  let value = data;
  let sign = 1;
  if (value.indexOf('_') !== -1) value = value.replace(/_/g, '');
  let ch = value[0];
  if (ch === '-' || ch === '+') {
    if (ch === '-') sign = -1;
    value = value.slice(1);
    ch = value[0];
  }
  if (value === '0') return 0;
  if (ch === '0') {
    if (value[1] === 'b') return sign * parseInt(value.slice(2), 2);
    if (value[1] === 'x') return sign * parseInt(value.slice(2), 16);
    if (value[1] === 'o') return sign * parseInt(value.slice(2), 8);
  }
  return sign * parseInt(value, 10);
}

// ---------------------------------------------------------------- float (lib/type/float.js)

const YAML_FLOAT_PATTERN = new RegExp(
  // 2.5e4, 2.5 and integers
  '^(?:[-+]?(?:[0-9][0-9_]*)(?:\\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?' +
    // .2e4, .2 (special case, seems not from spec)
    '|\\.[0-9_]+(?:[eE][-+]?[0-9]+)?' +
    // .inf
    '|[-+]?\\.(?:inf|Inf|INF)' +
    // .nan
    '|\\.(?:nan|NaN|NAN))$',
);

function resolveYamlFloat(data: string): boolean {
  // (js-yaml: "Quick hack to not allow integers end with `_`")
  return YAML_FLOAT_PATTERN.test(data) && data[data.length - 1] !== '_';
}

function constructYamlFloat(data: string): number {
  let value = data.replace(/_/g, '').toLowerCase();
  const sign = value[0] === '-' ? -1 : 1;
  if ('+-'.indexOf(value[0]!) >= 0) value = value.slice(1);
  if (value === '.inf') return sign === 1 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  if (value === '.nan') return NaN;
  return sign * parseFloat(value);
}

// ---------------------------------------------------------------- timestamp (lib/type/timestamp.js)

const YAML_DATE_REGEXP = new RegExp(
  '^([0-9][0-9][0-9][0-9])' + // [1] year
    '-([0-9][0-9])' + // [2] month
    '-([0-9][0-9])$', // [3] day
);

const YAML_TIMESTAMP_REGEXP = new RegExp(
  '^([0-9][0-9][0-9][0-9])' + // [1] year
    '-([0-9][0-9]?)' + // [2] month
    '-([0-9][0-9]?)' + // [3] day
    '(?:[Tt]|[ \\t]+)' + // ...
    '([0-9][0-9]?)' + // [4] hour
    ':([0-9][0-9])' + // [5] minute
    ':([0-9][0-9])' + // [6] second
    '(?:\\.([0-9]*))?' + // [7] fraction
    '(?:[ \\t]*(Z|([-+])([0-9][0-9]?)' + // [8] tz [9] tz_sign [10] tz_hour
    '(?::([0-9][0-9]))?))?$', // [11] tz_minute
);

function resolveYamlTimestamp(data: string): boolean {
  return YAML_DATE_REGEXP.exec(data) !== null || YAML_TIMESTAMP_REGEXP.exec(data) !== null;
}

function constructYamlTimestamp(data: string): Date {
  let match = YAML_DATE_REGEXP.exec(data);
  if (match === null) match = YAML_TIMESTAMP_REGEXP.exec(data);
  if (match === null) throw new Error('Date resolve error');
  const year = +match[1]!;
  const month = +match[2]! - 1; // JS month starts with 0
  const day = +match[3]!;
  if (!match[4]) return new Date(Date.UTC(year, month, day)); // no hour
  const hour = +match[4];
  const minute = +match[5]!;
  const second = +match[6]!;
  let fraction = 0;
  if (match[7]) {
    let digits = match[7].slice(0, 3);
    while (digits.length < 3) digits += '0'; // milli-seconds
    fraction = +digits;
  }
  let delta: number | null = null;
  if (match[9]) {
    const tzHour = +match[10]!;
    const tzMinute = +(match[11] || 0);
    delta = (tzHour * 60 + tzMinute) * 60000; // delta in milli-seconds
    if (match[9] === '-') delta = -delta;
  }
  const date = new Date(Date.UTC(year, month, day, hour, minute, second, fraction));
  if (delta) date.setTime(date.getTime() - delta);
  return date;
}
