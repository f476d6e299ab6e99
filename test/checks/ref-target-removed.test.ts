/**
 * `ref-unresolved` for a seed or snapshot the change removes or disables while models still ref it: `dbt parse`
 * stops ("depends on a node named '…' which is disabled" / "which was not found"), so every enabled model that still
 * refs it gets an error at its ref's line, old refs included. Left alone: a node still enabled, one no model reads,
 * one moved, one already disabled at the base, one replaced by a model, refs into packages. In a project that installs
 * packages the ref may read a package's node of that name instead: said in the message.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.js';
import { scanFile } from '../../src/dbt/fileFacts.js';
import { createJinjaRenderer } from '../../src/dbt/jinja/index.js';
import type { FileSnapshot } from '../../src/dbt/types.js';
import { runReview } from '../../src/pipeline.js';
import type { Finding } from '../../src/review/types.js';
import { memorySnapshot } from '../../src/sources/memory.js';
import { changedFilesBetween, lines, reviewBetween } from './review-between.js';

const review = reviewBetween();
const renderer = createJinjaRenderer();
afterAll(() => renderer.close());

const PROJECT = lines('name: shop', 'version: "1.0"', 'config-version: 2', 'profile: shop', 'models:', '  shop:', '    +meta: {owner: "@o"}');

const BASE: Record<string, string> = {
  'dbt_project.yml': PROJECT,
  'seeds/country_codes.csv': 'code,name\nUS,United States\n',
  'seeds/seeds.yml': lines('version: 2', 'seeds:', '  - name: country_codes', '    description: codes'),
  'snapshots/snap_orders.sql': lines(
    '{% snapshot snap_orders %}',
    "{{ config(unique_key='order_id', strategy='check', check_cols='all', target_schema='snap') }}",
    "select * from {{ source('raw', 'orders') }}",
    '{% endsnapshot %}',
  ),
  'models/fct_orders.sql': lines('select s.order_id, c.name', "from {{ ref('snap_orders') }} s", "join {{ ref('country_codes') }} c on s.country = c.code"),
  'models/stg_orders.sql': 'select 1 as order_id\n',
  'models/p.yml': lines('version: 2', 'models:', '  - name: fct_orders', '    description: d'),
};

async function refFindings(head: Record<string, string>, base = BASE): Promise<Finding[]> {
  return (await review(base, head)).findings.filter((f) => f.rule === 'ref-unresolved');
}

const without = (files: Record<string, string>, ...paths: string[]) => Object.fromEntries(Object.entries(files).filter(([p]) => !paths.includes(p)));

describe('ref-unresolved: a seed or snapshot the change removes or disables', () => {
  it('says, in a project that installs packages, that the ref would read a package node of that name if there is one', async () => {
    const withPackages = { ...BASE, 'packages.yml': lines('packages:', '  - package: dbt-labs/dbt_utils', '    version: 1.1.1') };
    const found = await refFindings(without(withPackages, 'seeds/country_codes.csv'), withPackages);
    expect(found.map((f) => f.message)).toEqual([
      "`ref('country_codes')` names seed `country_codes`, which this change removes (seeds/country_codes.csv), so `dbt parse` stops (\"depends on a node named 'country_codes' which was not found\") unless an installed package has a node of that name, which the ref would then read instead: restore the seed, or stop reading it.",
    ]);
  });

  it('reports a seed disabled in dbt_project.yml at the ref of each model that still reads it (the repro of N7 pr3)', async () => {
    const head = {
      ...BASE,
      'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    +enabled: false'),
      'models/rpt_codes.sql': "select * from {{ ref('country_codes') }}\n",
    };
    const review_ = await review(BASE, head);
    const found = review_.findings.filter((f) => f.rule === 'ref-unresolved');
    expect(found.map((f) => [f.model, f.path, f.line, f.severity])).toEqual([
      ['fct_orders', 'models/fct_orders.sql', 3, 'error'],
      ['rpt_codes', 'models/rpt_codes.sql', 1, 'error'],
    ]);
    expect(found[0]!.message).toBe(
      "`ref('country_codes')` names seed `country_codes`, which this change disables (`+enabled: false` for seeds in dbt_project.yml, line 10), so `dbt parse` stops (\"depends on a node named 'country_codes' which is disabled\"): keep the seed enabled, or stop reading it.",
    );
    expect(review_.conclusion).toBe('failure');
  });

  it('reports a seed whose .csv the change deletes, saying which file', async () => {
    const [finding, ...more] = await refFindings(without(BASE, 'seeds/country_codes.csv'));
    expect(more).toEqual([]);
    expect(finding).toMatchObject({ model: 'fct_orders', path: 'models/fct_orders.sql', line: 3 });
    expect(finding!.message).toBe(
      "`ref('country_codes')` names seed `country_codes`, which this change removes (seeds/country_codes.csv), so `dbt parse` stops (\"depends on a node named 'country_codes' which was not found\"): restore the seed, or stop reading it.",
    );
  });

  it('reports a seed disabled by its property-file config, and by a folder or name level of the seeds: tree', async () => {
    const byYaml = { ...BASE, 'seeds/seeds.yml': lines('version: 2', 'seeds:', '  - name: country_codes', '    description: codes', '    config:', '      enabled: false') };
    const [a] = await refFindings(byYaml);
    expect(a?.message).toContain('which this change disables (`config: enabled: false` of seed `country_codes` in seeds/seeds.yml, line 6)');
    const byName = { ...BASE, 'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    country_codes:', '      enabled: false') };
    const [b] = await refFindings(byName);
    expect(b?.message).toContain('(`enabled: false` for seed `country_codes` in dbt_project.yml, line 11)');
    const inFolder = {
      ...without(BASE, 'seeds/country_codes.csv'),
      'seeds/lookups/country_codes.csv': BASE['seeds/country_codes.csv']!,
      'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    lookups:', '      +enabled: false'),
    };
    const [c] = await refFindings(inFolder);
    expect(c?.message).toContain('(`+enabled: false` for seeds/lookups in dbt_project.yml, line 11)');
  });

  it('reads seed-paths and snapshot-paths from dbt_project.yml', async () => {
    const base = {
      ...without(BASE, 'seeds/country_codes.csv', 'snapshots/snap_orders.sql'),
      'dbt_project.yml': PROJECT + lines('seed-paths: ["data"]', 'snapshot-paths: ["snaps"]'),
      'data/country_codes.csv': BASE['seeds/country_codes.csv']!,
      'snaps/snap_orders.sql': BASE['snapshots/snap_orders.sql']!,
    };
    const found = await refFindings(without(base, 'data/country_codes.csv', 'snaps/snap_orders.sql'), base);
    expect(found.map((f) => [f.line, f.message.slice(0, 60)])).toEqual([
      [2, "`ref('snap_orders')` names snapshot `snap_orders`, which thi"],
      [3, "`ref('country_codes')` names seed `country_codes`, which thi"],
    ]);
  });

  it('reports a snapshot removed (its file, or its block), or disabled in dbt_project.yml, in its block or in its property file', async () => {
    const removed = await refFindings(without(BASE, 'snapshots/snap_orders.sql'));
    expect(removed.map((f) => [f.line, f.message])).toEqual([
      [2, "`ref('snap_orders')` names snapshot `snap_orders`, which this change removes (snapshots/snap_orders.sql), so `dbt parse` stops (\"depends on a node named 'snap_orders' which was not found\"): restore the snapshot, or stop reading it."],
    ]);
    const blockGone = await refFindings({ ...BASE, 'snapshots/snap_orders.sql': '-- moved to the warehouse\n' });
    expect(blockGone[0]?.message).toContain('which this change removes (its definition in snapshots/snap_orders.sql)');
    const byProject = await refFindings({ ...BASE, 'dbt_project.yml': PROJECT + lines('snapshots:', '  +enabled: false') });
    expect(byProject[0]?.message).toContain('which this change disables (`+enabled: false` for all snapshots in dbt_project.yml, line 9)');
    const byFile = await refFindings({ ...BASE, 'dbt_project.yml': PROJECT + lines('snapshots:', '  shop:', '    snap_orders:', '      +enabled: false') });
    // (a snapshot's fqn holds its file's stem: here the file and the snapshot share a name, so the file level)
    expect(byFile[0]?.message).toContain('`+enabled: false` for snapshots/snap_orders in dbt_project.yml, line 11');
    const inBlock = await refFindings({
      ...BASE,
      'snapshots/snap_orders.sql': BASE['snapshots/snap_orders.sql']!.replace("target_schema='snap'", "target_schema='snap', enabled=false"),
    });
    expect(inBlock[0]?.message).toContain('which this change disables (`config(enabled=false)` in snapshots/snap_orders.sql, line 2)');
    const inYaml = await refFindings({
      ...BASE,
      'snapshots/snaps.yml': lines('version: 2', 'snapshots:', '  - name: snap_orders', '    config:', '      enabled: false'),
    });
    expect(inYaml[0]?.message).toContain('(`config: enabled: false` of snapshot `snap_orders` in snapshots/snaps.yml, line 5)');
  });

  it('reports a snapshot defined in YAML (dbt 1.9) that the change removes', async () => {
    const base = {
      ...without(BASE, 'snapshots/snap_orders.sql'),
      'snapshots/snaps.yml': lines('snapshots:', '  - name: snap_orders', "    relation: source('raw', 'orders')", '    config:', '      unique_key: order_id'),
    };
    const found = await refFindings(without(base, 'snapshots/snaps.yml'), base);
    expect(found.map((f) => [f.line, f.message.includes('which this change removes (snapshots/snaps.yml)')])).toEqual([[2, true]]);
  });

  it('reports an old ref once per model (at its first line), and a new ref to a removed seed once (the new-ref check says it)', async () => {
    const base = { ...BASE, 'models/rpt.sql': lines("select * from {{ ref('country_codes') }}", "union all select * from {{ ref('country_codes') }}") };
    const head = { ...without(base, 'seeds/country_codes.csv'), 'models/new_codes.sql': "select * from {{ ref('country_codes') }}\n" };
    const found = await refFindings(head, base);
    expect(found.map((f) => [f.path, f.line])).toEqual([
      ['models/fct_orders.sql', 3],
      ['models/new_codes.sql', 1],
      ['models/rpt.sql', 1],
    ]);
    expect(found.find((f) => f.path === 'models/new_codes.sql')!.message).toMatch(/names no model, seed or snapshot of project `shop`/);
  });

  it('reports a new ref to a seed the change disables (the new-ref check accepts any seed file)', async () => {
    const head = {
      ...BASE,
      'dbt_project.yml': PROJECT + lines('seeds:', '  +enabled: false'),
      'models/new_codes.sql': "select * from {{ ref('country_codes') }}\n",
    };
    expect((await refFindings(head)).map((f) => [f.path, f.line])).toEqual([
      ['models/fct_orders.sql', 3],
      ['models/new_codes.sql', 1],
    ]);
  });

  describe('negatives', () => {
    it('a seed still enabled: another change to the seeds tree, a re-enabling subfolder or property file, or a computed value', async () => {
      expect(await refFindings({ ...BASE, 'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    +schema: raw') })).toEqual([]);
      expect(await refFindings({ ...BASE, 'dbt_project.yml': PROJECT + lines('seeds:', '  +enabled: false', '  shop:', '    +enabled: true') })).toEqual([]);
      const reEnabled = {
        ...BASE,
        'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    +enabled: false'),
        'seeds/seeds.yml': lines('version: 2', 'seeds:', '  - name: country_codes', '    config:', '      enabled: true'),
      };
      expect(await refFindings(reEnabled)).toEqual([]);
      expect(await refFindings({ ...BASE, 'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    +enabled: "{{ target.name == \'prod\' }}"') })).toEqual([]);
    });

    it('a disabled seed no model reads', async () => {
      const head = { ...BASE, 'seeds/unused.csv': 'a\n1\n', 'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    unused:', '      +enabled: false') };
      expect(await refFindings(head, { ...BASE, 'seeds/unused.csv': 'a\n1\n' })).toEqual([]);
      // (and a removed seed no model reads)
      expect(await refFindings(BASE, { ...BASE, 'seeds/unused.csv': 'a\n1\n' })).toEqual([]);
    });

    it('a seed or snapshot moved to another folder', async () => {
      const head = {
        ...without(BASE, 'seeds/country_codes.csv', 'snapshots/snap_orders.sql'),
        'seeds/lookups/country_codes.csv': BASE['seeds/country_codes.csv']!,
        'snapshots/orders/snap_orders.sql': BASE['snapshots/snap_orders.sql']!,
      };
      expect(await refFindings(head)).toEqual([]);
    });

    it('a seed disabled at the base already', async () => {
      const base = { ...BASE, 'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    +enabled: false') };
      const head = { ...base, 'dbt_project.yml': PROJECT + lines('seeds:', '  shop:', '    +enabled: false', '    +schema: raw') };
      expect(await refFindings(head, base)).toEqual([]);
      expect(await refFindings(without(base, 'seeds/country_codes.csv'), base)).toEqual([]);
    });

    it('a seed replaced by a model of the same name (the ref still resolves)', async () => {
      const head = { ...without(BASE, 'seeds/country_codes.csv'), 'models/country_codes.sql': "select 'US' as code, 'United States' as name\n" };
      expect(await refFindings(head)).toEqual([]);
    });

    it('a ref into a package', async () => {
      const base = { ...BASE, 'models/fct_orders.sql': lines('select 1 as order_id', "from {{ ref('codes_pkg', 'country_codes') }}") };
      expect(await refFindings(without(base, 'seeds/country_codes.csv'), base)).toEqual([]);
    });

    it('a ref naming the project itself is its own node (judged), a model that is disabled is not', async () => {
      const base = { ...BASE, 'models/old.sql': lines('{{ config(enabled=false) }}', "select * from {{ ref('country_codes') }}"), 'models/fct_orders.sql': "select * from {{ ref('shop', 'country_codes') }}\n" };
      const found = await refFindings(without(base, 'seeds/country_codes.csv'), base);
      expect(found.map((f) => [f.path, f.message.slice(0, 30)])).toEqual([['models/fct_orders.sql', "`ref('shop', 'country_codes')`"]]);
    });

    it('a change that touches no seed, snapshot, property entry of one, nor how dbt_project.yml places them', async () => {
      const head = { ...BASE, 'models/stg_orders.sql': 'select 2 as order_id\n', 'models/p.yml': lines('version: 2', 'models:', '  - name: fct_orders', '    description: e') };
      expect(await refFindings(head)).toEqual([]);
    });
  });

  it('reads the refs of the models out of focus from their stored facts, and only the files of the models that ref the removed seed', async () => {
    const base: Record<string, string> = { ...BASE };
    for (let i = 0; i < 20; i++) base[`models/m${i}.sql`] = `select * from {{ ref('stg_orders') }}\n`;
    const head = without(base, 'seeds/country_codes.csv');
    const reads: string[] = [];
    const withFacts = (files: Record<string, string>, log: boolean): FileSnapshot => {
      const inner = memorySnapshot(files);
      return {
        paths: inner.paths,
        read: (path) => {
          if (log) reads.push(path);
          return inner.read(path);
        },
        facts: (path) => (files[path] === undefined ? undefined : scanFile(path, files[path]!)),
      };
    };
    const result = await runReview(
      { base: 'base', head: 'head', config: defaultConfig(), changedFiles: changedFilesBetween(base, head) },
      { base: withFacts(base, false), head: withFacts(head, true), renderer, llmAbsentReason: { status: 'disabled', detail: 'test' } },
    );
    expect(result.findings.filter((f) => f.rule === 'ref-unresolved').map((f) => [f.path, f.line])).toEqual([['models/fct_orders.sql', 3]]);
    // (the reader's own SQL is read: whether its ref renders, whether it sets `enabled`)
    expect([...new Set(reads.filter((p) => p.endsWith('.sql') && p.startsWith('models/')))]).toEqual(['models/fct_orders.sql']);
  });

  describe('the refs dbt records: not one in a Jinja block that may not render at parse time', () => {
    const withReader = (sql: string) => ({ ...BASE, 'models/rpt_codes.sql': sql });
    const removedSeedFindings = async (sql: string) => {
      const base = withReader(sql);
      return (await refFindings(without(base, 'seeds/country_codes.csv'), base)).filter((f) => f.path === 'models/rpt_codes.sql').map((f) => f.line);
    };

    it('skips a ref inside {% if false %}, {% if var(...) %}, {% if is_incremental() %}, a for over a var, an else branch, a macro', async () => {
      expect(await removedSeedFindings(lines('select 1 as id', '{% if false %}', "union all select 2 from {{ ref('country_codes') }}", '{% endif %}'))).toEqual([]);
      expect(await removedSeedFindings(lines('select 1 as id', "{% if var('use_codes', false) %}", "union all select 2 from {{ ref('country_codes') }}", '{% endif %}'))).toEqual([]);
      expect(await removedSeedFindings(lines('select 1 as id', '{%- if is_incremental() -%}', '  {% if true %}', "union all select 2 from {{ ref('country_codes') }}", '  {% endif %}', '{%- endif %}'))).toEqual([]);
      expect(await removedSeedFindings(lines("{% for t in var('tables', []) %}", "select * from {{ ref('country_codes') }}", '{% endfor %}'))).toEqual([]);
      expect(await removedSeedFindings(lines('{% if true %}', 'select 1 as id', '{% else %}', "select * from {{ ref('country_codes') }}", '{% endif %}'))).toEqual([]);
      expect(await removedSeedFindings(lines('{% macro codes() %}', "{{ ref('country_codes') }}", '{% endmacro %}', 'select 1 as id'))).toEqual([]);
      // (and one in a Jinja comment)
      expect(await removedSeedFindings(lines("{# select * from {{ ref('country_codes') }} #}", 'select 1 as id'))).toEqual([]);
    });

    it('reports a ref outside any block, also after one in a block (at its own line), and in a block that renders', async () => {
      expect(await removedSeedFindings(lines("{% if var('x', false) %}", "select * from {{ ref('country_codes') }}", '{% endif %}', "select * from {{ ref('country_codes') }}"))).toEqual([4]);
      expect(await removedSeedFindings(lines('{% if true %}', "select * from {{ ref('country_codes') }}", '{% endif %}'))).toEqual([2]);
      expect(await removedSeedFindings(lines("{% for c in ['a', 'b'] %}", "select '{{ c }}' as c from {{ ref('country_codes') }}", '{% endfor %}'))).toEqual([2]);
      expect(await removedSeedFindings(lines("{% set codes = ref('country_codes') %}", '{% if false %}{% endif %}', 'select * from {{ codes }}'))).toEqual([1]);
      expect(await removedSeedFindings(lines('-- depends_on: {{ ref("country_codes") }}', 'select 1 as id'))).toEqual([1]);
    });
  });

  describe('the models dbt enables: a property file the change does not touch may disable the reader', () => {
    const reader = "select code from {{ ref('country_codes') }}\n";
    const props = (enabled: string) => lines('version: 2', 'models:', '  - name: r_codes', '    description: reads the codes', '    config:', `      enabled: ${enabled}`);

    it('a reader disabled in its unchanged property file, while the seed is removed: nothing', async () => {
      const base = { ...BASE, 'models/r_codes.sql': reader, 'models/r/_r.yml': props('false') };
      const found = await refFindings(without(base, 'seeds/country_codes.csv'), base);
      expect(found.map((f) => f.path)).toEqual(['models/fct_orders.sql']);
      // (and when the seed is disabled)
      const disabled = await refFindings({ ...base, 'dbt_project.yml': PROJECT + lines('seeds:', '  +enabled: false') }, base);
      expect(disabled.map((f) => f.path)).toEqual(['models/fct_orders.sql']);
    });

    it("a reader whose SQL sets config(enabled=true) over its property file's false, or whose property file enables it: reported", async () => {
      const base = { ...BASE, 'models/r_codes.sql': "{{ config(enabled=true) }}\n" + reader, 'models/_r.yml': props('false') };
      const found = await refFindings(without(base, 'seeds/country_codes.csv'), base);
      expect(found.map((f) => [f.path, f.line])).toEqual([
        ['models/fct_orders.sql', 3],
        ['models/r_codes.sql', 2],
      ]);
      const yamlOn = { ...BASE, 'models/r_codes.sql': reader, 'models/_r.yml': props('true') };
      expect((await refFindings(without(yamlOn, 'seeds/country_codes.csv'), yamlOn)).map((f) => f.path)).toEqual(['models/fct_orders.sql', 'models/r_codes.sql']);
    });

    it('a reader whose property file computes enabled is not judged', async () => {
      const base = { ...BASE, 'models/r_codes.sql': reader, 'models/_r.yml': props(`"{{ target.name == 'prod' }}"`) };
      expect((await refFindings(without(base, 'seeds/country_codes.csv'), base)).map((f) => f.path)).toEqual(['models/fct_orders.sql']);
    });
  });
});

