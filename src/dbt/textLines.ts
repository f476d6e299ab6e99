/** Offset -> 1-based line lookups over a text, built once per file. */
export class LineIndex {
  private readonly starts: number[] = [0];
  /** The 0-based line of the last lookup: a parser asks about nearby offsets, mostly on the same or the next line. */
  private last = 0;

  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  lineAt(offset: number): number {
    const starts = this.starts;
    const last = this.last;
    if ((starts[last] ?? 0) <= offset) {
      if (last + 1 >= starts.length || starts[last + 1]! > offset) return last + 1;
      if (last + 2 >= starts.length || starts[last + 2]! > offset) return (this.last = last + 1) + 1;
    }
    return (this.last = this.search(offset)) + 1;
  }

  private search(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/** Replaces Jinja comments `{# ... #}` by spaces, keeping newlines so offsets and lines stay valid. */
export function blankJinjaComments(text: string): string {
  if (!text.includes('{#')) return text;
  return text.replace(/\{#[\s\S]*?#\}/g, (m) => m.replace(/[^\n]/g, ' '));
}

/** `text` matched literally inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether SQL text names `name` as a whole identifier, in any case (`status`, not `order_status`). */
export function mentionsIdentifier(sql: string, name: string): boolean {
  return new RegExp(`(?<![\\w$])${escapeRegExp(name)}(?![\\w$])`, 'i').test(sql);
}

/** Posix dirname ('' for a top-level file). */
export function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

export function basenameOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? path : path.slice(i + 1);
}

/** File name without its last extension. */
export function stemOf(path: string): string {
  const base = basenameOf(path);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? base : base.slice(0, dot);
}

export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

/** Normalises a configured folder (`./models/` -> `models`, `.` -> ''). */
export function normaliseFolder(folder: string): string {
  let f = folder.trim().replace(/\\/g, '/');
  while (f.startsWith('./')) f = f.slice(2);
  f = f.replace(/\/+$/, '');
  return f === '.' ? '' : f;
}

/** Whether `path` is inside `folder` ('' contains everything); returns the path relative to it, else undefined. */
export function relativeTo(path: string, folder: string): string | undefined {
  if (folder === '') return path;
  return path.startsWith(folder + '/') ? path.slice(folder.length + 1) : undefined;
}
