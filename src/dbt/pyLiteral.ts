/**
 * A small reader of the argument list of a Jinja/Python call such as `config(materialized='table', meta={...})`.
 * It understands literals only (strings, numbers, booleans, None, lists, tuples, dicts); any other expression
 * (`var('x')`, `env_var(...)`, `target.name == 'prod'`, `'a' ~ 'b'`, filters...) becomes a `JinjaExpr`: present,
 * value not knowable without rendering.
 */

/** A value computed by Jinja/Python: present, but not knowable statically. `text` is its source. */
export class JinjaExpr {
  constructor(readonly text: string) {}
  toJSON(): string {
    return `(computed: ${this.text})`;
  }
}

export function isComputed(value: unknown): value is JinjaExpr {
  return value instanceof JinjaExpr;
}

/** Whether a value is, or contains at any depth, a computed part. */
export function containsComputed(value: unknown): boolean {
  if (value instanceof JinjaExpr) return true;
  if (Array.isArray(value)) return value.some(containsComputed);
  if (value !== null && typeof value === 'object') return Object.values(value).some(containsComputed);
  return false;
}

/** A parsed literal with its offsets; dicts keep each key's offset (for line numbers). */
export interface PyNode {
  value: unknown;
  start: number;
  end: number;
  entries?: { key: string; keyStart: number; node: PyNode }[];
}

export interface CallArg {
  /** Keyword name; undefined for a positional argument. */
  name?: string;
  nameStart?: number;
  /** `**dict` argument. */
  spread?: boolean;
  node: PyNode;
}

export interface ParsedCall {
  args: CallArg[];
  /** Offset just after the closing parenthesis. */
  end: number;
}

const TERMINATORS = new Set([',', ')', ']', '}', ':']);
const MAX_DEPTH = 64;

export class LiteralReader {
  constructor(
    private readonly text: string,
    private readonly pythonComments = false,
  ) {}

  /** Reads the arguments of a call whose `(` is at `openParen`. Undefined when the call is malformed/unclosed. */
  readCall(openParen: number): ParsedCall | undefined {
    const t = this.text;
    let i = openParen + 1;
    const args: CallArg[] = [];
    for (;;) {
      i = this.skipWs(i);
      if (i >= t.length) return undefined;
      if (t[i] === ')') return { args, end: i + 1 };
      let arg: CallArg;
      if (t.startsWith('**', i)) {
        const node = this.readValue(i + 2, 0);
        arg = { spread: true, node };
      } else if (t[i] === '*') {
        const node = this.readValue(i + 1, 0);
        arg = { node: { ...node, value: new JinjaExpr(t.slice(i, node.end).trim()) } };
      } else {
        const kw = /^([A-Za-z_]\w*)\s*=(?!=)/.exec(t.slice(i, i + 200));
        if (kw) {
          const node = this.readValue(i + kw[0].length, 0);
          arg = { name: kw[1], nameStart: i, node };
        } else {
          arg = { node: this.readValue(i, 0) };
        }
      }
      args.push(arg);
      i = this.skipWs(arg.node.end);
      if (t[i] === ',') {
        i += 1;
        continue;
      }
      if (t[i] === ')') return { args, end: i + 1 };
      return undefined;
    }
  }

  private skipWs(i: number): number {
    const t = this.text;
    while (i < t.length) {
      const c = t[i]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') i += 1;
      else if (c === '\\' && (t[i + 1] === '\n' || t[i + 1] === '\r')) i += 2;
      else if (this.pythonComments && c === '#') {
        const nl = t.indexOf('\n', i);
        i = nl === -1 ? t.length : nl + 1;
      } else break;
    }
    return i;
  }

  readValue(start: number, depth: number): PyNode {
    const t = this.text;
    const i = this.skipWs(start);
    let node: PyNode | undefined;
    if (depth < MAX_DEPTH && i < t.length) {
      const c = t[i]!;
      if (c === '[' || c === '(') node = this.readSequence(i, depth);
      else if (c === '{') node = this.readDict(i, depth);
      else if (c === '"' || c === "'" || /^[rRuUbBfF]{1,2}['"]/.test(t.slice(i, i + 3))) node = this.readString(i);
      else if (/[-+\d.]/.test(c)) node = this.readNumber(i);
      else if (/[A-Za-z_]/.test(c)) node = this.readKeyword(i);
    }
    if (node && !(node.value instanceof JinjaExpr)) {
      const after = this.skipWs(node.end);
      if (after >= t.length || TERMINATORS.has(t[after]!)) return node;
    }
    const stop = this.skipExpression(i);
    return { value: new JinjaExpr(t.slice(i, stop).trim()), start: i, end: stop };
  }

  private readSequence(open: number, depth: number): PyNode | undefined {
    const t = this.text;
    const close = t[open] === '[' ? ']' : ')';
    const values: unknown[] = [];
    let sawComma = false;
    let i = open + 1;
    for (;;) {
      i = this.skipWs(i);
      if (i >= t.length) return undefined;
      if (t[i] === close) break;
      const item = this.readValue(i, depth + 1);
      values.push(item.value);
      i = this.skipWs(item.end);
      if (t[i] === ',') {
        sawComma = true;
        i += 1;
      } else if (t[i] !== close) return undefined;
    }
    const end = i + 1;
    // `(x)` is a parenthesised value, `(x,)` and `()` are tuples (read as lists).
    if (close === ')' && !sawComma && values.length === 1) return { value: values[0], start: open, end };
    return { value: values, start: open, end };
  }

  private readDict(open: number, depth: number): PyNode | undefined {
    const t = this.text;
    const value: Record<string, unknown> = {};
    const entries: NonNullable<PyNode['entries']> = [];
    let i = open + 1;
    for (;;) {
      i = this.skipWs(i);
      if (i >= t.length) return undefined;
      if (t[i] === '}') break;
      const keyNode = this.readValue(i, depth + 1);
      const k = keyNode.value;
      if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'boolean') return undefined;
      i = this.skipWs(keyNode.end);
      if (t[i] !== ':') return undefined;
      const item = this.readValue(i + 1, depth + 1);
      const key = String(k);
      value[key] = item.value;
      entries.push({ key, keyStart: keyNode.start, node: item });
      i = this.skipWs(item.end);
      if (t[i] === ',') i += 1;
      else if (t[i] !== '}') return undefined;
    }
    return { value, start: open, end: i + 1, entries };
  }

  private readString(start: number): PyNode | undefined {
    const t = this.text;
    let i = start;
    let prefix = '';
    while (/[rRuUbBfF]/.test(t[i] ?? '')) prefix += t[i++]!.toLowerCase();
    const q = t[i];
    if (q !== '"' && q !== "'") return undefined;
    const triple = t.startsWith(q.repeat(3), i);
    const delim = triple ? q.repeat(3) : q;
    i += delim.length;
    const raw = prefix.includes('r');
    let out = '';
    while (i < t.length) {
      if (t.startsWith(delim, i)) {
        const end = i + delim.length;
        if (prefix.includes('f')) return { value: new JinjaExpr(t.slice(start, end)), start, end };
        return { value: out, start, end };
      }
      const c = t[i]!;
      if (c === '\\' && i + 1 < t.length) {
        const n = t[i + 1]!;
        if (raw) out += c + n;
        else out += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n === '\n' ? '' : n;
        i += 2;
        continue;
      }
      if (!triple && c === '\n') return undefined;
      out += c;
      i += 1;
    }
    return undefined;
  }

  private readNumber(start: number): PyNode | undefined {
    const m = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][-+]?\d+)?/.exec(this.text.slice(start, start + 64));
    if (!m) return undefined;
    const n = Number(m[0].replace(/_/g, ''));
    if (Number.isNaN(n)) return undefined;
    return { value: n, start, end: start + m[0].length };
  }

  private readKeyword(start: number): PyNode | undefined {
    const m = /^[A-Za-z_]\w*/.exec(this.text.slice(start, start + 100));
    if (!m) return undefined;
    const end = start + m[0].length;
    switch (m[0]) {
      case 'True':
      case 'true':
        return { value: true, start, end };
      case 'False':
      case 'false':
        return { value: false, start, end };
      case 'None':
      case 'none':
        return { value: null, start, end };
      default:
        return undefined;
    }
  }

  /** Offset of the first terminator at bracket depth 0 (respecting strings), or the end of the text. */
  private skipExpression(start: number): number {
    const t = this.text;
    let depth = 0;
    let i = start;
    while (i < t.length) {
      const c = t[i]!;
      if (c === '"' || c === "'") {
        const s = this.readString(i);
        i = s ? s.end : i + 1;
        continue;
      }
      if (c === '(' || c === '[' || c === '{') depth += 1;
      else if (c === ')' || c === ']' || c === '}') {
        if (depth === 0) return i;
        depth -= 1;
      } else if (depth === 0 && (c === ',' || c === ':')) return i;
      else if (this.pythonComments && c === '#') {
        const nl = t.indexOf('\n', i);
        i = nl === -1 ? t.length : nl;
        continue;
      }
      i += 1;
    }
    return t.length;
  }
}
