/**
 * Whether a business key is tested (DESIGN.md "Tested"): one column with a uniqueness proof (`unique`,
 * `dbt_constraints.primary_key/unique_key`, a unique/primary-key constraint) and a not-null proof (`not_null`, a
 * not-null/primary-key constraint) on the same column; or a compound uniqueness test covering the key plus
 * not-null on each key column. Disabled tests do not count. Test names are configurable.
 */
import type { BusinessKeyConfig } from './businessKey.js';
import type { BusinessKey, DbtColumn, DbtModel, DbtProject, TestRef, TestScope } from './types.js';

export interface MissingKeyTest {
  /** Test to add, e.g. `unique`, `not_null`, `dbt_utils.unique_combination_of_columns`. */
  test: string;
  columns: string[];
}

/** Where to add the missing tests: a column's YAML entry, or the model's entry (add a column entry there). */
export interface KeyTestSuggestion {
  path: string;
  /** First line of the column entry (`target: 'column'`) or of the model entry (`target: 'model'`). */
  line: number;
  endLine?: number;
  target: 'column' | 'model';
  /** The key column the tests are for (single-column tests). */
  column?: string;
  columns: string[];
  tests: string[];
  /** Line of the existing `data_tests:`/`tests:` key in that entry, if any. */
  testsLine?: number;
}

export interface KeyTestStatus {
  tested: boolean;
  /** Human list, e.g. "unique on order_id", "not_null on customer_id". */
  missing: string[];
  missingTests: MissingKeyTest[];
  suggestion?: KeyTestSuggestion;
}

/**
 * The level of `dbt_project.yml`'s `data_tests:` tree that disables `test` (`+enabled: false` for the project, or for
 * the folder of its property file below the model path, as dbt matches a test's fqn), if any: the most specific
 * level that sets `enabled` decides, and the test's own `config: {enabled: ...}` is more specific than all of them.
 * A value computed by Jinja counts as enabled.
 */
export function projectDisabling(test: TestRef, project: DbtProject | undefined): TestScope | undefined {
  const scopes = project?.testScopes;
  if (!scopes || scopes.length === 0 || test.enabledSet) return undefined;
  const relative = project.root === '' ? test.path : test.path.startsWith(`${project.root}/`) ? test.path.slice(project.root.length + 1) : undefined;
  if (relative === undefined) return undefined;
  // dbt: the folders of the property file's path without its first part (the model path's top folder).
  const folders = relative.split('/').slice(1, -1);
  let decisive: TestScope | undefined;
  for (const scope of scopes) if (scope.folders.every((f, i) => folders[i] === f)) decisive = scope;
  return decisive?.enabled === false ? decisive : undefined;
}

/** The test runs: not disabled by its own config nor by `dbt_project.yml` (DESIGN: `enabled: false` does not count). */
export function testRuns(test: TestRef, project: DbtProject | undefined): boolean {
  return test.enabled && projectDisabling(test, project) === undefined;
}

export function keyTestStatus(model: DbtModel, key: BusinessKey, options: { config: BusinessKeyConfig; project?: DbtProject }): KeyTestStatus {
  const cfg = options.config;
  const uniqueNames = new Set(cfg.uniqueTests);
  const notNullNames = new Set(cfg.notNullTests);
  const compoundNames = new Set(cfg.compoundUniqueTests);
  const tests = allTests(model).filter((t) => testRuns(t, options.project));
  const constraints = [...model.constraints, ...model.columns.flatMap((c) => c.constraints)];
  const keyColumns = [...new Set(key.columns)];
  const keySet = new Set(keyColumns);

  const sameColumns = (cols: string[], wanted: string[]) => cols.length === wanted.length && cols.every((c) => wanted.includes(c));
  const uniqueOn = (column: string) =>
    tests.some((t) => uniqueNames.has(t.name) && sameColumns(t.columns, [column])) ||
    tests.some((t) => compoundNames.has(t.name) && sameColumns(t.columns, [column])) ||
    constraints.some((c) => (c.type === 'unique' || c.type === 'primary_key') && sameColumns(c.columns, [column]));
  const notNullOn = (column: string) =>
    tests.some((t) => notNullNames.has(t.name) && t.columns.includes(column)) ||
    constraints.some((c) => (c.type === 'not_null' || c.type === 'primary_key') && c.columns.includes(column));
  const subsetOfKey = (cols: string[]) => cols.length > 0 && cols.every((c) => keySet.has(c));
  const keyUnique =
    keyColumns.some(uniqueOn) ||
    tests.some((t) => compoundNames.has(t.name) && subsetOfKey(t.columns)) ||
    constraints.some((c) => (c.type === 'unique' || c.type === 'primary_key') && subsetOfKey(c.columns));

  const missingTests: MissingKeyTest[] = [];
  if (!keyUnique) {
    const first = keyColumns[0];
    if (keyColumns.length === 1 && first !== undefined) missingTests.push({ test: 'unique', columns: [first] });
    else missingTests.push({ test: cfg.compoundUniqueTests[0] ?? 'dbt_utils.unique_combination_of_columns', columns: keyColumns });
  }
  for (const column of keyColumns) if (!notNullOn(column)) missingTests.push({ test: 'not_null', columns: [column] });

  const status: KeyTestStatus = {
    tested: missingTests.length === 0,
    missing: missingTests.map((m) => (m.columns.length === 1 ? `${m.test} on ${m.columns[0]}` : `${m.test} on (${m.columns.join(', ')})`)),
    missingTests,
  };
  const suggestion = suggestionFor(model, missingTests);
  if (suggestion) status.suggestion = suggestion;
  return status;
}

function allTests(model: DbtModel): TestRef[] {
  return [...model.tests, ...model.columns.flatMap((c) => c.tests)];
}

function suggestionFor(model: DbtModel, missing: MissingKeyTest[]): KeyTestSuggestion | undefined {
  const first = missing[0];
  if (!first) return undefined;
  if (first.columns.length === 1) {
    const column = first.columns[0]!;
    const tests = missing.filter((m) => m.columns.length === 1 && m.columns[0] === column).map((m) => m.test);
    const yaml: DbtColumn | undefined = model.columns.find((c) => c.key === column);
    if (yaml?.line !== undefined) {
      return {
        path: yaml.path,
        line: yaml.line,
        ...(yaml.endLine !== undefined ? { endLine: yaml.endLine } : {}),
        target: 'column',
        column,
        columns: [column],
        tests,
        ...(yaml.testsLine !== undefined ? { testsLine: yaml.testsLine } : {}),
      };
    }
    return modelSuggestion(model, [column], tests, column);
  }
  return modelSuggestion(model, first.columns, [first.test]);
}

function modelSuggestion(model: DbtModel, columns: string[], tests: string[], column?: string): KeyTestSuggestion | undefined {
  const props = model.properties;
  if (!props || props.line === undefined) return undefined;
  const s: KeyTestSuggestion = { path: props.path, line: props.line, target: 'model', columns, tests };
  if (props.endLine !== undefined) s.endLine = props.endLine;
  if (column !== undefined) s.column = column;
  if (column === undefined && props.testsLine !== undefined) s.testsLine = props.testsLine;
  return s;
}

/**
 * `dbt_project.yml`'s `data_tests:` levels that set `enabled` differ between two revisions of a project (cheap: false
 * for almost every change).
 */
export function testScopesChanged(head: DbtProject, base: DbtProject | undefined): boolean {
  const text = (p: DbtProject | undefined) => JSON.stringify((p?.testScopes ?? []).map((s) => [s.folders, s.enabled]));
  return base !== undefined && (head.testScopes !== undefined || base.testScopes !== undefined) && text(head) !== text(base);
}

/** Some test of the model runs at one revision and not at the other because of `dbt_project.yml`'s `data_tests:`. */
export function projectTogglesTests(head: DbtModel, base: DbtModel, project: DbtProject, baseProject: DbtProject | undefined): boolean {
  const toggled = (model: DbtModel) => allTests(model).some((t) => t.enabled && testRuns(t, project) !== testRuns(t, baseProject));
  return toggled(head) || (base !== head && toggled(base));
}
