import { describe, expect, it } from 'vitest';
import { isFormattingOnly } from '../../src/sql/index.js';

describe('isFormattingOnly', () => {
  it('accepts whitespace, comment and keyword-case edits', () => {
    expect(isFormattingOnly('select a, b from t', 'SELECT\n  a,\n  b -- note\nFROM t', 'snowflake')).toBe(true);
    expect(isFormattingOnly('select a from t', '/* header */ select a from t', 'bigquery')).toBe(true);
  });

  it('rejects any change to names, literals or structure', () => {
    expect(isFormattingOnly('select a from t', 'select b from t', 'snowflake')).toBe(false);
    expect(isFormattingOnly("select a from t where s = 'x'", "select a from t where s = 'X'", 'snowflake')).toBe(false);
    expect(isFormattingOnly('select a from t', 'select a from t limit 1', 'postgres')).toBe(false);
  });
});
