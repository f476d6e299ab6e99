import type { RenderInput, RenderResult } from '../../src/ports.js';

export function modelInput(template: string, overrides: Partial<RenderInput> = {}): RenderInput {
  return {
    template,
    path: 'models/marts/fct_orders.sql',
    modelName: 'fct_orders',
    projectName: 'shop',
    vars: {},
    macros: [],
    isIncremental: false,
    ...overrides,
  };
}

/** The SQL of a successful render; fails the test with the reason otherwise. */
export function sqlOf(result: RenderResult): string {
  if (!result.ok) throw new Error(`render failed: ${result.reason}`);
  return result.sql;
}

export function reasonOf(result: RenderResult): string {
  if (result.ok) throw new Error(`render unexpectedly succeeded: ${JSON.stringify(result.sql.slice(0, 200))}`);
  return result.reason;
}
