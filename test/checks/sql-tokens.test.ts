import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/config.js';
import { lexSql, significantTokens } from '../../src/checks/sql-tokens.js';

const types = (text: string, dialect?: Dialect) =>
  lexSql(text, dialect ? { dialect } : {}).map((t) => [t.type, t.text]);

describe('lexSql', () => {
  it('splits SQL with Jinja tags kept whole, and numbers lines', () => {
    const tokens = lexSql("{{ config(materialized='table') }}\nselect a.id\n  from {{ ref('a') }} a");
    expect(tokens.map((t) => [t.type, t.text, t.line])).toEqual([
      ['jinja-expr', "{{ config(materialized='table') }}", 1],
      ['word', 'select', 2],
      ['word', 'a', 2],
      ['punct', '.', 2],
      ['word', 'id', 2],
      ['word', 'from', 3],
      ['jinja-expr', "{{ ref('a') }}", 3],
      ['word', 'a', 3],
    ]);
  });

  it('keeps a closing delimiter inside a Jinja string from ending the tag', () => {
    expect(types("{{ var('a }} b') }} x")).toEqual([
      ['jinja-expr', "{{ var('a }} b') }}"],
      ['word', 'x'],
    ]);
  });

  it('reads {% raw %} blocks as one opaque tag', () => {
    expect(types('{% raw %} from raw.x {% endraw %} y')).toEqual([
      ['jinja-stmt', '{% raw %} from raw.x {% endraw %}'],
      ['word', 'y'],
    ]);
  });

  it('reads strings with doubled quotes, backslash escapes and dollar quotes, but not $1 parameters', () => {
    expect(types("'it''s' 'a\\'b' $$x$$ $t$ y $t$ $1")).toEqual([
      ['string', "'it''s'"],
      ['string', "'a\\'b'"],
      ['string', '$$x$$'],
      ['string', '$t$ y $t$'],
      ['punct', '$'],
      ['number', '1'],
    ]);
    // Standard SQL strings on Postgres: a backslash is an ordinary character.
    expect(types("'a\\' b", 'postgres')).toEqual([
      ['string', "'a\\'"],
      ['word', 'b'],
    ]);
  });

  it('knows dialect comments and BigQuery strings', () => {
    expect(types('# c\nx', 'bigquery')).toEqual([
      ['comment', '# c'],
      ['word', 'x'],
    ]);
    expect(types('// c\nx', 'snowflake')).toEqual([
      ['comment', '// c'],
      ['word', 'x'],
    ]);
    expect(types('"""a " b""" "s" `t`', 'bigquery')).toEqual([
      ['string', '"""a " b"""'],
      ['string', '"s"'],
      ['quoted', '`t`'],
    ]);
  });

  it('never throws on unterminated constructs', () => {
    for (const text of ["'abc", '"abc', '/* x', '{{ x', '{% if', '{# c', '$$ x', '`a', "{{ 'a"]) {
      const tokens = lexSql(`select ${text}`);
      expect(tokens[tokens.length - 1]!.end).toBe(text.length + 7);
    }
  });

  it('drops comments and Jinja statements from the significant tokens', () => {
    const tokens = significantTokens(lexSql('-- c\n{% if x %}select{# n #} 1{% endif %}'));
    expect(tokens.map((t) => t.text)).toEqual(['select', '1']);
  });
});
