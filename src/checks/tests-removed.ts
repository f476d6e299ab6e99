/**
 * `test-removed`: a data test that existed at the base revision is gone at head (from the model's `test_removed`
 * changes). Located in the base property YAML, where the test was.
 */
import type { Rule } from './types.js';

export const testRemoved: Rule = {
  id: 'test-removed',
  defaultSeverity: 'warning',
  origin: 'rule',
  description: 'A data test that existed at the base revision is gone: bad data that it used to catch now passes silently.',
  run(ctx) {
    return ctx.changes
      .filter((c) => c.kind === 'test_removed')
      .map((change) => {
        const on = change.column !== undefined ? `column \`${change.column}\` of \`${ctx.model.name}\`` : `model \`${ctx.model.name}\``;
        const detail = change.detail.trim() !== '' ? ` (${change.detail.trim()})` : '';
        // Still in the YAML, but `dbt_project.yml`'s `data_tests:` now disables it (the change is located there).
        const disabled = / disabled by `/.test(change.detail);
        return {
          rule: 'test-removed',
          model: ctx.model.name,
          ...(change.column !== undefined ? { column: change.column } : {}),
          path: change.path,
          ...(change.line !== undefined ? { line: change.line, ...(change.side === 'base' ? { side: 'base' as const } : {}) } : {}),
          message: disabled
            ? `A test on ${on} no longer runs${detail}: enable it again (set \`enabled\` back, or narrow the setting to the folders whose tests should not run), or say in the pull request why it is no longer needed.`
            : `A test on ${on} was removed${detail}: restore it, or replace it with an equivalent test and say in the pull request why the old one is no longer needed.`,
        };
      });
  },
};
