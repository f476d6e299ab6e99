import { describe, expect, it } from 'vitest';
import { tokenize } from '../../src/sql/lexer.js';

const kinds = (sql: string, dialect: Parameters<typeof tokenize>[1]['dialect'] = 'snowflake') =>
  tokenize(sql, { dialect }).map((t) => `${t.kind}:${t.text}`);

describe('tokenize', () => {
  it('splits words, numbers, operators and punctuation, dropping whitespace and comments', () => {
    expect(kinds("select a.b::int as x, 1.5e-3, $1 from t -- note\nwhere y >= 'it''s' /* c */ and z->>'k' = 2")).toEqual([
      'word:select', 'word:a', 'punct:.', 'word:b', 'op:::', 'word:int', 'word:as', 'word:x', 'punct:,', 'number:1.5e-3',
      'punct:,', 'word:$1', 'word:from', 'word:t', 'word:where', 'word:y', 'op:>=', "string:'it''s'", 'word:and', 'word:z',
      'op:->>', "string:'k'", 'op:=', 'number:2',
    ]);
  });

  it('reads a number followed by letters as one word (1st_value), but keeps an exponent a number', () => {
    expect(kinds('1st_value 2e5 3E+2 .5 7e')).toEqual(['word:1st_value', 'number:2e5', 'number:3E+2', 'number:.5', 'number:7', 'word:e']);
  });

  it('keeps every character with keepTrivia, so the tokens rebuild the input', () => {
    const sql = "select\t\u00a0x -- c\r\n , \"Q\"\"x\" /* a\nb */ from `t`\f$$ raw\n$$ // s\n#h\n";
    for (const dialect of ['snowflake', 'bigquery', 'postgres'] as const) {
      expect(tokenize(sql, { dialect, keepTrivia: true }).map((t) => t.text).join('')).toBe(sql);
    }
  });

  it('numbers each token with the line it starts on, across multi-line strings and comments', () => {
    const tokens = tokenize("a\n'x\ny' b /* 1\n2\n */ c\n\n-- d\ne", { dialect: 'snowflake' });
    expect(tokens.map((t) => `${t.text}@${t.line}`)).toEqual(['a@1', "'x\ny'@2", 'b@3', 'c@5', 'e@8']);
  });

  it('knows each dialect comment and quoting', () => {
    expect(kinds('a # b\nc // d', 'bigquery')).toEqual(['word:a', 'word:c', 'op:/', 'op:/', 'word:d']);
    expect(kinds('a # b\nc // d', 'snowflake')).toEqual(['word:a', 'op:#', 'word:b', 'word:c']);
    expect(kinds('"x" `y`', 'bigquery')).toEqual(['string:"x"', 'quoted:`y`']);
    expect(kinds("'a\\'b'", 'snowflake')).toEqual(["string:'a\\'b'"]);
    expect(kinds("'a\\' b", 'postgres')).toEqual(["string:'a\\'", 'word:b']);
  });

  it('never throws on unterminated strings, quotes and comments', () => {
    expect(kinds("select 'abc")).toEqual(['word:select', "string:'abc"]);
    expect(kinds('select "abc')).toEqual(['word:select', 'quoted:"abc']);
    expect(tokenize('select /* abc', { dialect: 'snowflake', keepTrivia: true }).at(-1)).toMatchObject({ kind: 'comment', text: '/* abc' });
  });
});
