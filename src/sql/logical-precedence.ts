/**
 * AND binds tighter than OR in every SQL dialect, but node-sql-parser 5.4's grammars do not all know it: the
 * Snowflake, PostgreSQL and Redshift grammars read `a or b and c` in WHERE/HAVING/ON as `(a or b) and c`
 * (left-associative, one precedence), and select items and CASE results as `a or (b and c)` only by accident of
 * right-associativity (Trino reads `a and b or c` as `a and (b or c)`). Left so, `where a or b and c` and
 * `where (a or b) and c` parse alike and a change between them is invisible.
 *
 * `repairLogicalPrecedence` rebuilds every chain of AND/OR that is not split by parentheses from its operands in
 * source order, with AND binding tighter, in place. A parenthesised operand is one operand (its own chain is
 * rebuilt on its own). Chains of one operator are left as parsed: their grouping does not change their meaning.
 */

type Node = Record<string, unknown>;

interface Loc {
  start: unknown;
  end: unknown;
}

const LOGICAL = new Set(['AND', 'OR']);
const MIXES_AND_OR = /\band\b[^]*\bor\b|\bor\b[^]*\band\b/i;

function isObject(value: unknown): value is Node {
  return typeof value === 'object' && value !== null;
}

function isLogical(node: unknown): node is Node & { operator: string; left: unknown; right: unknown } {
  return isObject(node) && node.type === 'binary_expr' && typeof node.operator === 'string' && LOGICAL.has(node.operator.toUpperCase());
}

/** Operands and operators of the chain under `node`, in source order (parenthesised operands stay whole). */
function flatten(node: unknown, operands: unknown[], operators: string[]): void {
  if (isLogical(node) && node.parentheses !== true) {
    flatten(node.left, operands, operators);
    operators.push(node.operator.toUpperCase());
    flatten(node.right, operands, operators);
  } else {
    operands.push(node);
  }
}

function locOf(node: unknown): Loc | undefined {
  return isObject(node) && isObject(node.loc) ? (node.loc as unknown as Loc) : undefined;
}

function joined(operator: string, left: unknown, right: unknown): Node {
  const node: Node = { type: 'binary_expr', operator, left, right };
  const [from, to] = [locOf(left), locOf(right)];
  if (from && to) node.loc = { start: from.start, end: to.end };
  return node;
}

/** Left-associative chain of `operator` over `operands`. */
function chain(operator: string, operands: readonly unknown[]): unknown {
  return operands.slice(1).reduce<unknown>((left, right) => joined(operator, left, right), operands[0]);
}

function repairChain(root: Node & { operator: string; left: unknown; right: unknown }): void {
  const operands: unknown[] = [];
  const operators: string[] = [];
  flatten(root.left, operands, operators);
  operators.push(root.operator.toUpperCase());
  flatten(root.right, operands, operators);
  for (const operand of operands) repairNode(operand);
  if (!operators.includes('AND') || !operators.includes('OR')) return;
  // Split at each OR; each part is an AND chain.
  const parts: unknown[][] = [[operands[0]]];
  operators.forEach((operator, i) => {
    if (operator === 'OR') parts.push([operands[i + 1]]);
    else parts[parts.length - 1]!.push(operands[i + 1]);
  });
  const rebuilt = chain('OR', parts.map((part) => chain('AND', part))) as Node;
  root.operator = rebuilt.operator as string;
  root.left = rebuilt.left;
  root.right = rebuilt.right;
}

function repairNode(value: unknown): void {
  if (Array.isArray(value)) {
    for (const item of value) repairNode(item);
    return;
  }
  if (!isObject(value)) return;
  if (isLogical(value)) {
    repairChain(value);
    return;
  }
  for (const key in value) {
    if (key !== 'loc') repairNode(value[key]);
  }
}

/** Repairs the AND/OR chains of a parsed statement (see above), in place; `sql` is the text it was parsed from. */
export function repairLogicalPrecedence<T>(ast: T, sql: string): T {
  if (MIXES_AND_OR.test(sql)) repairNode(ast);
  return ast;
}
