/**
 * A model without `meta.owner` is owned by its group's owner: a change of that owner in the groups YAML changes
 * the model's owner, reported as `owner_changed` where the edit was.
 */
import { describe, expect, it } from 'vitest';
import { lines, reviewBetween } from './review-between.js';

const review = reviewBetween();

const PROJECT = lines('name: shop', "version: '1.0'", 'config-version: 2', 'profile: shop', 'models:', '  shop:', '    +group: finance');
const groups = (financeOwner: string) =>
  lines('version: 2', 'groups:', '  - name: finance', '    owner:', `      name: ${financeOwner}`, '  - name: ops', '    owner: {name: Ops}');
const PROPS = lines(
  'version: 2',
  'models:',
  '  - name: fct_rev',
  '    description: d',
  '    columns:',
  '      - name: rev_id',
  '        data_tests: [unique, not_null]',
  '  - name: fct_own',
  '    description: d',
  '    config:',
  '      meta: {owner: "@own"}',
  '    columns:',
  '      - name: own_id',
  '        data_tests: [unique, not_null]',
);
const BASE = {
  'dbt_project.yml': PROJECT,
  'models/groups.yml': groups('Finance Team'),
  'models/fct_rev.sql': 'select 1 as rev_id\n',
  'models/fct_own.sql': 'select 1 as own_id\n',
  'models/p.yml': PROPS,
};

describe("a change of a group's owner", () => {
  it('is an owner_changed of the models that take their owner from the group, located at the group', async () => {
    const r = await review(BASE, { ...BASE, 'models/groups.yml': groups('Treasury') });
    // fct_own has its own meta.owner: its owner did not change, so it is not listed
    expect(r.models.map((m) => m.name)).toEqual(['fct_rev']);
    const [m] = r.models;
    expect(m!.owner).toEqual({ value: 'Treasury', source: 'models/groups.yml:3 (owner of group finance)' });
    expect(m!.changes).toEqual([
      { kind: 'owner_changed', detail: 'owner: Finance Team -> Treasury (owner of group finance)', path: 'models/groups.yml', line: 3, impact: 'none', breaking: false },
    ]);
  });

  it('a group removed leaves its models without owner: located at its base entry, side: base', async () => {
    const head = { ...BASE, 'models/groups.yml': lines('version: 2', 'groups:', '  - name: ops', '    owner: {name: Ops}') };
    const r = await review(BASE, head);
    const m = r.models.find((x) => x.name === 'fct_rev')!;
    expect(m.changes).toContainEqual(expect.objectContaining({ kind: 'owner_changed', detail: 'owner: Finance Team -> (none)', path: 'models/groups.yml', line: 3, side: 'base' }));
    const missing = r.findings.find((f) => f.rule === 'owner-missing' && f.model === 'fct_rev')!;
    expect(missing.message).toContain('fix its group: no `groups:` entry defines `finance` (set in `dbt_project.yml:7`), and dbt fails to parse a model whose group does not exist');
  });

  it("a model's YAML entry switching `group:` is located at the edited line", async () => {
    const withGroup = (group: string) => PROPS.replace('  - name: fct_rev\n    description: d\n', `  - name: fct_rev\n    description: d\n    group: ${group}\n`);
    const base = { ...BASE, 'models/p.yml': withGroup('ops') };
    const r = await review(base, { ...base, 'models/p.yml': withGroup('nosuch') });
    const m = r.models.find((x) => x.name === 'fct_rev')!;
    expect(m.changes).toEqual([{ kind: 'owner_changed', detail: 'owner: Ops -> (none)', path: 'models/p.yml', line: 5, impact: 'none', breaking: false }]);
    const missing = r.findings.find((f) => f.rule === 'owner-missing')!;
    expect(missing.message).toContain('fix its group: no `groups:` entry defines `nosuch` (set in `models/p.yml:5`)');
    expect(missing.message).not.toContain('put the model in a group that has an owner');
  });
});
