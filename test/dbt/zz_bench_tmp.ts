import { loadProjects } from '../../src/dbt/index.js';
const files: Record<string, string> = { 'dbt_project.yml': 'name: big\nmodels:\n  big:\n    +materialized: view\n    marts:\n      +materialized: table\n      +meta: {owner: x}\n' };
for (let f = 0; f < 50; f++) {
  const entries: string[] = ['version: 2', 'models:'];
  for (let i = 0; i < 100; i++) {
    const name = `fct_m${f}_${i}`;
    files[`models/marts/f${f}/${name}.sql`] = `{{ config(materialized='incremental', unique_key='${name}_id', meta={'owner': 'team${i}'}) }}\nwith a as (select * from {{ ref('stg_${i}') }}), b as (select * from {{ source('raw', 't${i}') }})\nselect a.*, b.x from a join b using (id)\n-- dbt-pr-reviewer: disable=x reason: y\n`.repeat(3);
    entries.push(`  - name: ${name}`, `    description: model ${i}`, '    config:', '      tags: [a, b]', '    columns:');
    for (let c = 0; c < 10; c++) entries.push(`      - name: col_${c}`, `        description: col ${c}`, '        data_type: varchar(10)', '        data_tests:', '          - not_null', '          - unique:', '              config: {severity: warn}');
  }
  files[`models/marts/f${f}/_f${f}.yml`] = entries.join('\n') + '\n';
}
const snap = { paths: () => Object.keys(files), read: (p: string) => files[p] };
for (let r = 0; r < 3; r++) {
  const t = performance.now(); const cpu = process.cpuUsage();
  const ps = loadProjects(snap, { ownerKey: 'owner' });
  console.log(ps[0]!.models.length, "models wall", Math.round(performance.now() - t), "ms cpu", Math.round(process.cpuUsage(cpu).user / 1000), "ms", "yaml MB", (Object.entries(files).filter(([k]) => k.endsWith(".yml")).reduce((n, [, v]) => n + v.length, 0) / 1e6).toFixed(1));
}
