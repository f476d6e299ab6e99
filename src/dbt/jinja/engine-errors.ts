/**
 * Turns minijinja error messages ("unknown function: foo is unknown (in model.sql:3)") into reasons a reviewer can
 * act on ("undefined macro `foo` at line 3").
 */

export interface ErrorPlace {
  template: string;
  line: number;
}

export interface ParsedEngineError {
  kind: string;
  detail: string;
  place?: ErrorPlace;
}

const LOCATED = /^([\s\S]*?) \(in ([^()]+):(\d+)\)\s*$/;

export function parseEngineError(message: string): ParsedEngineError {
  const firstBlock = message.split('\n---')[0] ?? message;
  const located = LOCATED.exec(firstBlock.trim());
  const text = located ? (located[1] ?? '') : firstBlock.trim();
  const colon = text.indexOf(': ');
  const kind = colon >= 0 ? text.slice(0, colon) : text;
  const detail = colon >= 0 ? text.slice(colon + 2) : '';
  return {
    kind,
    detail,
    ...(located ? { place: { template: located[2] ?? '', line: Number(located[3]) } } : {}),
  };
}

const JINJA_CALLABLES = new Set([
  'range', 'dict', 'lipsum', 'cycler', 'joiner', 'namespace', 'caller', 'loop', 'super', 'self', 'varargs', 'kwargs',
  'if', 'in', 'and', 'or', 'not', 'is', 'for', 'else', 'elif', 'set', 'do', 'macro', 'call', 'filter', 'with', 'import',
]);

/** Bare calls on a source line (`foo(`), not method calls (`x.foo(`). */
function bareCalls(line: string): string[] {
  return [...line.matchAll(/(?<![\w.])([A-Za-z_]\w*)\s*\(/g)].map((m) => m[1] ?? '').filter((n) => !JINJA_CALLABLES.has(n));
}

/** Namespaced calls on a source line (`dbt_utils.pivot(`), to name the one the engine could not call. */
function namespacedCalls(line: string): string[] {
  return [...line.matchAll(/\b([A-Za-z_]\w*)\s*\.\s*([A-Za-z_]\w*)\s*\(/g)].map((m) => `${m[1] ?? ''}.${m[2] ?? ''}`);
}

export interface DescribeContext {
  /** Where the error happened, for humans (e.g. "line 3" or "macros/util.sql:12"). */
  where?: string;
  /** The source line of the error, if known. */
  sourceLine?: string;
  /** Namespaced macros the sandbox provides (`dbt_utils.star`...), to single out the unsupported one on a line. */
  isKnownCall?: (call: string) => boolean;
  /** Names callable without a namespace (sandbox functions, project and template macros). */
  isKnownName?: (name: string) => boolean;
}

export function describeEngineError(error: ParsedEngineError, context: DescribeContext): string {
  const at = context.where ? ` at ${context.where}` : '';
  const { kind, detail } = error;
  if (kind === 'unknown function') {
    const name = /^(\S+) is unknown/.exec(detail)?.[1];
    return name ? `undefined macro \`${name}\`${at}` : `undefined macro${at}`;
  }
  if (kind === 'invalid operation') {
    if (detail.startsWith('engine ran out of fuel') || detail === 'engine ran out of fuel') {
      return `template exceeded the evaluation budget (possible infinite loop)${at}`;
    }
    if (detail.startsWith('recursion limit exceeded')) return `recursion too deep (macros or includes nested too far)${at}`;
    if (detail.startsWith('range has too many elements')) return `loop range too large (range() is limited to 100000 items)${at}`;
    if (/undefined is not callable/.test(detail)) {
      const unknown = namespacedCalls(context.sourceLine ?? '').filter((c) => !(context.isKnownCall?.(c) ?? false));
      const bare = bareCalls(context.sourceLine ?? '').find((n) => !(context.isKnownName?.(n) ?? false));
      if (bare) return `undefined macro \`${bare}\`${at}`;
      if (unknown.length > 0) return `unsupported macro \`${unknown[0] ?? ''}\` (not provided by the sandbox)${at}`;
      return `call of an undefined macro or attribute${at}`;
    }
  }
  if (kind === 'engine ran out of fuel') return `template exceeded the evaluation budget (possible infinite loop)${at}`;
  if (kind === 'unknown method') {
    const m = /^(\w+) has no method named (\w+)/.exec(detail);
    if (m?.[2] === 'append' || m?.[2] === 'extend' || m?.[2] === 'update' || m?.[2] === 'pop') {
      return `\`.${m[2]}()\` is not supported: lists and dicts cannot be modified in the sandbox${at}`;
    }
    if (m && (m[1] === 'map' || m[1] === 'undefined' || m[1] === 'plain object')) {
      const call = namespacedCalls(context.sourceLine ?? '').find((c) => c.endsWith(`.${m[2] ?? ''}`));
      if (call) return `unsupported macro \`${call}\` (not defined in the project or provided by the sandbox)${at}`;
    }
    if (m) return `unsupported method \`${m[2] ?? ''}\` on ${m[1] === 'undefined' ? 'an undefined value' : `a ${m[1] ?? 'value'}`}${at}`;
  }
  if (kind === 'unknown filter') {
    const name = /filter (\S+) is unknown/.exec(detail)?.[1];
    return `unknown filter \`${name ?? detail}\`${at}`;
  }
  if (kind === 'undefined value') {
    const unknown = namespacedCalls(context.sourceLine ?? '').filter((c) => !(context.isKnownCall?.(c) ?? false));
    const call = unknown.find((c) => !c.startsWith('this.') && !c.startsWith('target.'));
    if (call) return `unsupported macro \`${call}\` (package macros other than dbt_utils are not available in the sandbox)${at}`;
    return `use of an undefined value (e.g. an attribute of an undefined variable)${at}`;
  }
  if (kind === 'syntax error') return `Jinja syntax error${at}: ${detail}`;
  const text = detail ? `${kind}: ${detail}` : kind;
  return `Jinja error${at}: ${text}`;
}
