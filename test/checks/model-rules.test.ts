import { describe, expect, it } from 'vitest';
import { publicModelContractMissing } from '../../src/checks/contracts.js';
import { modelDescriptionMissing } from '../../src/checks/docs.js';
import { incrementalUniqueKeyMissing } from '../../src/checks/incremental.js';
import { layerOf, namingLayerPrefix } from '../../src/checks/naming.js';
import { computed, config, context, entry, model } from './factory.js';

describe('naming-layer-prefix', () => {
  const layers = config().layers;

  it('matches whole folder segments, longest key first', () => {
    const custom = { staging: ['stg_'], marts: ['fct_', 'dim_'], 'marts/finance': ['fin_'] };
    expect(layerOf(['staging', 'stripe'], custom)?.layer).toBe('staging');
    expect(layerOf(['staging_old'], custom)).toBeUndefined();
    expect(layerOf(['marts', 'finance', 'daily'], custom)?.layer).toBe('marts/finance');
    expect(layerOf(['marts', 'sales'], custom)?.layer).toBe('marts');
    expect(layerOf([], custom)).toBeUndefined();
    expect(layerOf(['Staging'], layers)?.layer).toBe('staging');
  });

  it('reports an added model without the prefix of its layer, naming the prefixes', () => {
    const m = model({ name: 'orders', folders: ['marts', 'core'] });
    const hits = namingLayerPrefix.run(context(m, { status: 'added' }));
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ rule: 'naming-layer-prefix', path: 'models/marts/core/orders.sql', line: 1 });
    expect(hits[0]!.message).toContain('`fct_`, `dim_`, `mart_`, `rpt_` or `agg_`');
    expect(hits[0]!.message).toContain('`fct_orders.sql`');
  });

  it('strips another layer prefix in the example name', () => {
    const m = model({ name: 'stg_orders', folders: ['intermediate'] });
    const [hit] = namingLayerPrefix.run(context(m, { status: 'added' }));
    expect(hit!.message).toContain('`int_orders.sql`');
  });

  it('keeps the file extension of a Python model in the example name', () => {
    const m = model({ name: 'orders_py', folders: ['staging'], language: 'python', path: 'models/staging/orders_py.py' });
    const [hit] = namingLayerPrefix.run(context(m, { status: 'added' }));
    expect(hit!.message).toContain('`stg_orders_py.py`');
  });

  it('accepts a correct prefix, folders outside every layer and staging_old/', () => {
    for (const [name, folders] of [
      ['stg_orders', ['staging', 'shop']],
      ['orders', ['utilities']],
      ['orders', ['staging_old']],
    ] as const) {
      expect(namingLayerPrefix.run(context(model({ name, folders: [...folders] }), { status: 'added' }))).toEqual([]);
    }
  });

  it('judges only new names: added, renamed or moved models, not modified ones', () => {
    const m = model({ name: 'orders', folders: ['staging'] });
    expect(namingLayerPrefix.run(context(m, { status: 'modified' }))).toEqual([]);
    expect(namingLayerPrefix.run(context(m, { status: 'renamed', baseModel: model({ name: 'orders', folders: ['misc'] }) }))).toHaveLength(1);
    expect(namingLayerPrefix.run(context(m, { status: 'renamed', baseModel: model({ name: 'orders', folders: ['staging'] }) }))).toEqual([]);
  });
});

describe('incremental-unique-key-missing', () => {
  const incremental = (cfg: Record<string, unknown>, dialect?: 'snowflake' | 'postgres' | 'duckdb') => {
    const m = model({
      name: 'fct_events',
      config: Object.fromEntries(Object.entries(cfg).map(([k, v], i) => [k, v === 'COMPUTED' ? computed('models/fct_events.sql', 2) : entry(v, 'models/fct_events.sql', i + 1, { level: 'sql' })])),
    });
    return incrementalUniqueKeyMissing.run(context(m, dialect ? { dialect } : {}));
  };

  it('reports merge and delete+insert without unique_key, at the strategy line', () => {
    const hits = incremental({ materialized: 'incremental', incremental_strategy: 'merge' });
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ path: 'models/fct_events.sql', line: 2 });
    expect(hits[0]!.message).toContain('`incremental_strategy: merge` without a `unique_key`');
    expect(hits[0]!.message).toContain('Set `unique_key`');
    expect(incremental({ materialized: 'incremental', incremental_strategy: 'delete+insert' })[0]!.message).toContain('skips the delete');
  });

  it('uses the adapter default strategy when none is set', () => {
    expect(incremental({ materialized: 'incremental' }, 'snowflake')[0]!.message).toContain('the snowflake default strategy `merge`');
    expect(incremental({ materialized: 'incremental' }, 'duckdb')[0]!.message).toContain('`delete+insert`');
    expect(incremental({ materialized: 'incremental' }, 'postgres')).toEqual([]);
  });

  it('accepts a unique_key, append/microbatch/insert_overwrite and other materializations', () => {
    expect(incremental({ materialized: 'incremental', unique_key: 'id' })).toEqual([]);
    expect(incremental({ materialized: 'incremental', unique_key: ['id', 'day'] })).toEqual([]);
    expect(incremental({ materialized: 'incremental', incremental_strategy: 'append' })).toEqual([]);
    expect(incremental({ materialized: 'incremental', incremental_strategy: 'microbatch' })).toEqual([]);
    expect(incremental({ materialized: 'incremental', incremental_strategy: 'insert_overwrite' })).toEqual([]);
    expect(incremental({ materialized: 'table' })).toEqual([]);
  });

  it('reports an empty unique_key list', () => {
    expect(incremental({ materialized: 'incremental', unique_key: [] })).toHaveLength(1);
  });

  it('never flags values computed by Jinja', () => {
    expect(incremental({ materialized: 'incremental', unique_key: 'COMPUTED' })).toEqual([]);
    expect(incremental({ materialized: 'incremental', incremental_strategy: 'COMPUTED' })).toEqual([]);
    expect(incremental({ materialized: 'COMPUTED' })).toEqual([]);
  });
});

describe('model-description-missing', () => {
  it('points at the YAML entry when there is one', () => {
    const m = model({ name: 'fct_orders', properties: { path: 'models/_marts.yml', line: 4 } });
    const [hit] = modelDescriptionMissing.run(context(m));
    expect(hit).toMatchObject({ path: 'models/_marts.yml', line: 4 });
    expect(hit!.message).toContain('add `description:` to its entry in `models/_marts.yml`');
  });

  it('points at the SQL file and asks for a property entry when there is none', () => {
    const [hit] = modelDescriptionMissing.run(context(model({ name: 'fct_orders' })));
    expect(hit).toMatchObject({ path: 'models/fct_orders.sql', line: 1 });
    expect(hit!.message).toContain('no property YAML entry');
  });

  it('accepts a description, also a doc() block, and rejects a blank one', () => {
    const withDoc = model({ name: 'a', properties: { path: 'm.yml', line: 1, description: "{{ doc('a') }}" } });
    expect(modelDescriptionMissing.run(context(withDoc))).toEqual([]);
    const blank = model({ name: 'b', properties: { path: 'm.yml', line: 1, description: '  ' } });
    expect(modelDescriptionMissing.run(context(blank))).toHaveLength(1);
  });
});

describe('public-model-contract-missing', () => {
  it('reports access: public without an enforced contract, where access is set', () => {
    const m = model({ name: 'dim_customers', access: 'public', config: { access: entry('public', 'models/_marts.yml', 9, { level: 'properties' }) } });
    const [hit] = publicModelContractMissing.run(context(m));
    expect(hit).toMatchObject({ rule: 'public-model-contract-missing', path: 'models/_marts.yml', line: 9 });
    expect(hit!.message).toContain('`contract: {enforced: true}`');
  });

  it('accepts enforced or Jinja-computed contracts and non-public models', () => {
    expect(publicModelContractMissing.run(context(model({ name: 'a', access: 'public', contractEnforced: true })))).toEqual([]);
    expect(publicModelContractMissing.run(context(model({ name: 'a', access: 'public', contractEnforced: 'unknown' })))).toEqual([]);
    expect(publicModelContractMissing.run(context(model({ name: 'a', access: 'protected' })))).toEqual([]);
  });
});
