/**
 * Line-level reading of property YAML for committable suggestions: find a `- name: x` entry, its direct keys and
 * their indentation, so an insertion matches the file's own style. Only block-style YAML is edited; anything
 * unusual (flow mappings, anchors on the entry, tabs) yields no suggestion rather than a wrong one.
 */
import type { Suggestion } from '../review/types.js';

export interface YamlEntry {
  /** 1-based line of the `name:` key of the entry. */
  nameLine: number;
  /** Column (0-based) of the entry's keys. */
  keyColumn: number;
  /** Direct keys of the entry -> 1-based line. */
  keys: Map<string, number>;
  /** Last line (1-based) that belongs to the entry (trailing blank and comment lines excluded). */
  endLine: number;
}

export class YamlLines {
  readonly lines: string[];

  constructor(text: string) {
    this.lines = text.split(/\r?\n/);
  }

  /** Text of a 1-based line ('' past the end). */
  at(line: number): string {
    return this.lines[line - 1] ?? '';
  }

  get count(): number {
    return this.lines.length;
  }

  /**
   * The mapping entry named `name` whose `name:` key is on `line` or a few lines below it (the recorded line of an
   * entry may be its `-` line). Undefined when the text there is not a plain block entry.
   */
  entryAt(line: number, name: string): YamlEntry | undefined {
    for (let candidate = line; candidate <= Math.min(line + 3, this.count); candidate++) {
      const m = /^(\s*(?:-\s+)?)name:\s*(?:"([^"]*)"|'([^']*)'|([^\s#"'][^#]*?))\s*(?:#.*)?$/.exec(this.at(candidate));
      if (!m) continue;
      const value = m[2] ?? m[3] ?? m[4] ?? '';
      if (value.toLowerCase() !== name.toLowerCase()) continue;
      if (this.at(candidate).includes('\t')) return undefined;
      return this.entryFromNameLine(candidate, m[1]!.length);
    }
    return undefined;
  }

  private entryFromNameLine(nameLine: number, keyColumn: number): YamlEntry {
    const keys = new Map<string, number>([['name', nameLine]]);
    // Keys written before `name:` in the same item (`- description: x` then `  name: y`).
    const nameText = this.at(nameLine);
    if (!/^\s*-\s/.test(nameText)) {
      for (let l = nameLine - 1; l >= 1; l--) {
        const text = this.at(l);
        if (isBlankOrComment(text)) continue;
        const indent = indentOf(text);
        const dashed = /^(\s*)-\s+([A-Za-z0-9_.+-]+)\s*:/.exec(text);
        if (dashed && dashed[0].indexOf(dashed[2]!) === keyColumn) {
          keys.set(dashed[2]!, l);
          break;
        }
        if (indent < keyColumn) break;
        const key = keyAt(text, keyColumn);
        if (key !== undefined) keys.set(key, l);
      }
    }
    let endLine = nameLine;
    for (let l = nameLine + 1; l <= this.count; l++) {
      const text = this.at(l);
      if (isBlankOrComment(text)) continue;
      if (indentOf(text) < keyColumn) break;
      if (indentOf(text) === keyColumn) {
        const key = keyAt(text, keyColumn);
        if (key === undefined) break;
        keys.set(key, l);
      }
      endLine = l;
    }
    return { nameLine, keyColumn, keys, endLine };
  }

  /**
   * The block under the key on `keyLine`: the column of its children and their keys (for a mapping) or whether it is
   * a sequence. Undefined when the key holds an inline value (`key: value`, `key: [a, b]`, `key: {a: 1}`).
   */
  blockUnder(keyLine: number, keyColumn: number): { childColumn: number; keys: Map<string, number>; sequence: boolean } | undefined {
    const head = this.at(keyLine);
    if (!/:\s*(?:#.*)?$/.test(head)) return undefined;
    let childColumn: number | undefined;
    let sequence = false;
    const keys = new Map<string, number>();
    for (let l = keyLine + 1; l <= this.count; l++) {
      const text = this.at(l);
      if (isBlankOrComment(text)) continue;
      const indent = indentOf(text);
      // A block sequence may sit at the key's own column (`tests:\n- unique`).
      const isItem = /^\s*-(\s|$)/.test(text);
      if (indent < keyColumn || (indent === keyColumn && !isItem)) break;
      if (childColumn === undefined) {
        childColumn = indent;
        sequence = isItem;
      }
      if (indent === childColumn && !sequence) {
        const key = keyAt(text, childColumn);
        if (key !== undefined) keys.set(key, l);
      }
      if (indent < childColumn) break;
    }
    if (childColumn === undefined) return { childColumn: keyColumn + 2, keys, sequence: false };
    return { childColumn, keys, sequence };
  }

  /** The indentation step the file uses (2 when it cannot tell). */
  indentStep(): number {
    for (let l = 1; l < this.count; l++) {
      const a = this.at(l);
      if (isBlankOrComment(a) || !/:\s*(?:#.*)?$/.test(a)) continue;
      for (let k = l + 1; k <= this.count; k++) {
        const b = this.at(k);
        if (isBlankOrComment(b)) continue;
        const step = indentOf(b) - indentOf(a);
        if (step > 0 && step <= 8) return step;
        break;
      }
    }
    return 2;
  }

  /** A suggestion that inserts `newLines` after `line` (GitHub suggestions replace lines, so `line` is repeated). */
  insertAfter(line: number, newLines: string[]): Suggestion {
    return { startLine: line, endLine: line, replacement: [this.at(line), ...newLines].join('\n') };
  }
}

export function indentOf(text: string): number {
  return /^ */.exec(text)![0].length;
}

function isBlankOrComment(text: string): boolean {
  return /^\s*(#.*)?$/.test(text);
}

/** The key of a `key:` line whose key starts exactly at `column`. */
function keyAt(text: string, column: number): string | undefined {
  if (indentOf(text) !== column) return undefined;
  const m = /^\s*([A-Za-z0-9_.+-]+|"[^"]*"|'[^']*')\s*:(\s|$)/.exec(text);
  return m ? m[1]!.replace(/^["']|["']$/g, '') : undefined;
}

export function spaces(n: number): string {
  return ' '.repeat(n);
}

/** YAML scalar text for a string value (quoted when plain style would change its meaning). */
export function yamlScalar(value: string): string {
  if (/^[A-Za-z0-9_][A-Za-z0-9_ .@/-]*$/.test(value) && !/\s$/.test(value) && !/^(true|false|null|yes|no|on|off|~)$/i.test(value) && !/^[0-9.]+$/.test(value)) {
    return value;
  }
  return JSON.stringify(value);
}
