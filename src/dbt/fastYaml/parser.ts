/**
 * The block YAML of dbt property files parsed straight into the positioned tree of `parseYamlTree`
 * (src/dbt/yamlTree.ts), without js-yaml's node listener and the tree rebuilt from it.
 *
 * This is js-yaml 4.1.1's loader (lib/loader.js) reduced to what property files use, function by function and
 * check by check, so that a text parses to what js-yaml reads or not at all:
 * - every place where js-yaml throws, and every construct left out (tags, anchors, aliases, explicit `?` keys,
 *   directives, several documents, merge keys, a pair inside a flow sequence, a flow mapping key without a value,
 *   an empty block sequence item...) throws `DECLINE`: the caller parses the text with js-yaml instead;
 * - each node gets the lines `TreeBuilder` gives it: `line` is the line of the position where js-yaml's
 *   `composeNode` opens it (for a mapping value that is right after the key's `:`, so a value starts on its key's
 *   line), `endLine` (collections) the last line before the position where it closes that holds anything but
 *   white space (comments count); where js-yaml wraps a node (a value on the line after its key is first read as
 *   a would-be mapping key), the wrapper takes the inner node, as `TreeBuilder` does;
 * - scalars are resolved as js-yaml's DEFAULT_SCHEMA does (see scalars.ts), mapping keys with `String(value)`.
 *
 * The text must not hold carriage returns but in CRLF line breaks, control characters (but tabs), a BOM or lone
 * surrogates (checked by the caller, index.ts): the code below does not handle them.
 *
 * Ported from js-yaml 4.1.1 (https://github.com/nodeca/js-yaml), MIT License, Copyright (C) 2011-2015 by Vitaly
 * Puzrin: the same checks in the same order are what makes the result exactly js-yaml's. Its license:
 * THIRD_PARTY_NOTICES.md (shipped with the package).
 */
import type { YEntry, YMap, YNode, YScalar, YSeq } from '../yamlTree.js';
import { resolvePlain } from './scalars.js';

/** Thrown where js-yaml would throw, or where the text leaves the subset handled here. */
export const DECLINE: { readonly declined: true } = { declined: true };

const CONTEXT_FLOW_IN = 1;
const CONTEXT_FLOW_OUT = 2;
const CONTEXT_BLOCK_IN = 3;
const CONTEXT_BLOCK_OUT = 4;

const CHOMPING_CLIP = 1;
const CHOMPING_STRIP = 2;
const CHOMPING_KEEP = 3;

/** The position after the characters from `from` on that `run` marks (1), e.g. a quoted scalar's plain characters. */
function endOfRun(input: string, from: number, run: Uint8Array): number {
  let p = from + 1;
  while (run[input.charCodeAt(p)] === 1) p++;
  return p;
}

function isEol(c: number): boolean {
  return c === 0x0a || c === 0x0d;
}

function isWhiteSpace(c: number): boolean {
  return c === 0x09 || c === 0x20;
}

function isWsOrEol(c: number): boolean {
  return c === 0x09 || c === 0x20 || c === 0x0a || c === 0x0d;
}

function isFlowIndicator(c: number): boolean {
  return c === 0x2c || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d;
}

function fromHexCode(c: number): number {
  if (0x30 <= c && c <= 0x39) return c - 0x30;
  const lc = c | 0x20;
  if (0x61 <= lc && lc <= 0x66) return lc - 0x61 + 10;
  return -1;
}

function escapedHexLen(c: number): number {
  if (c === 0x78 /* x */) return 2;
  if (c === 0x75 /* u */) return 4;
  if (c === 0x55 /* U */) return 8;
  return 0;
}

/** What a backslash and this character mean in a double-quoted scalar ('' when not an escape): js-yaml's table. */
const SIMPLE_ESCAPES: string[] = new Array<string>(256).fill('');
for (const [c, value] of [
  ['0', '\x00'], ['a', '\x07'], ['b', '\x08'], ['t', '\x09'], ['\t', '\x09'], ['n', '\x0A'], ['v', '\x0B'],
  ['f', '\x0C'], ['r', '\x0D'], ['e', '\x1B'], [' ', ' '], ['"', '"'], ['/', '/'], ['\\', '\\'], ['N', '\x85'],
  ['_', '\xA0'], ['L', '\u2028'], ['P', '\u2029'],
] as const) {
  SIMPLE_ESCAPES[c.charCodeAt(0)] = value;
}

function charFromCodepoint(c: number): string {
  if (c <= 0xffff) return String.fromCharCode(c);
  return String.fromCharCode(((c - 0x010000) >> 10) + 0xd800, ((c - 0x010000) & 0x03ff) + 0xdc00);
}

/**
 * Characters a plain scalar runs over without looking closer: all but NUL, white space, line breaks, `:`, `#`
 * and the flow indicators (`, [ ] { }`), which js-yaml's loop checks one by one.
 */
const PLAIN_RUN = new Uint8Array(0x10000).fill(1);
for (const c of [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x23, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d]) PLAIN_RUN[c] = 0;
/** First characters of a key read directly (`readBlockMapping`): letters, digits and `_`. */
const KEY_START = new Uint8Array(0x80);
for (let c = 0; c < 0x80; c++) KEY_START[c] = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f ? 1 : 0;
/** First characters of a plain scalar that an implicit type may resolve (see scalars.ts); others stay strings. */
const MAY_RESOLVE = new Uint8Array(0x80);
for (const c of '~nNtTfF-+.0123456789<') MAY_RESOLVE[c.charCodeAt(0)] = 1;
/** Characters a double-quoted scalar runs over: all but NUL, `"`, `\\` and line breaks. */
const DOUBLE_QUOTED_RUN = new Uint8Array(0x10000).fill(1);
for (const c of [0x00, 0x0a, 0x0d, 0x22, 0x5c]) DOUBLE_QUOTED_RUN[c] = 0;
/** Characters a single-quoted scalar runs over: all but NUL, `'` and line breaks. */
const SINGLE_QUOTED_RUN = new Uint8Array(0x10000).fill(1);
for (const c of [0x00, 0x0a, 0x0d, 0x27]) SINGLE_QUOTED_RUN[c] = 0;

/** js-yaml's `writeFoldedLines`: what `count` line breaks inside a flow scalar become. */
function foldedLines(count: number): string {
  return count === 1 ? ' ' : count > 1 ? '\n'.repeat(count - 1) : '';
}

/** Keys a tree never holds (`UNSAFE_KEYS` of yamlTree.ts), and `<<`, which it reads as a merge. */
function isSpecialKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' || key === '<<';
}

function scalarNode(value: unknown, line: number): YScalar {
  return { kind: 'scalar', value, line, endLine: line };
}

class Parser {
  /** The text as js-yaml reads it: a final line feed added when missing, then a NUL that ends every loop. */
  private readonly input: string;
  /** Length of the text itself (lines are counted in it, as `TreeBuilder` does). */
  private readonly textLength: number;
  /** Length of the input without its NUL (js-yaml's `state.length`). */
  private readonly length: number;
  private position = 0;
  /** 0-based line of `position`. */
  private line = 0;
  private lineStart = 0;
  private lineIndent = 0;
  /** Whether the last `composeNode` read anything (js-yaml: its return value). */
  private hasContent = false;
  /** Where the first tab of the current line's separation space is, or -1 (js-yaml: no block collection then). */
  private firstTabInLine = -1;
  /** The last position `endLineOf` scanned back from, and the line it found. */
  private lastCloseAt = -1;
  private lastCloseLine = 0;
  /**
   * The first `:` (`#`, line feed) at or after `colonFrom` (`hashFrom`, `eolFrom`): the searches of scalars, kept
   * while they are ahead (the text between has none; on a long line, searching again from each scalar would take
   * quadratic time). 2^32 - 1 when there is none (the input always ends with a line feed).
   */
  private eolFrom = -1;
  private eolAt = -1;
  private colonFrom = -1;
  private colonAt = -1;
  private hashFrom = -1;
  private hashAt = -1;
  /** The first backslash at or after `backslashFrom` (`readDoubleQuotedScalar`'s search). */
  private backslashFrom = -1;
  private backslashAt = -1;
  /**
   * Where a plain scalar ended before a line break (`peekFrom`), what follows up to the next line that is not
   * blank, as `skipSeparationSpace` would find it from there: the position after its indentation, the line
   * breaks, its start and indentation (only when no tab follows the indentation).
   */
  private peekFrom = -1;
  private peekTo = 0;
  private peekLineBreaks = 0;
  private peekLineStart = 0;
  private peekIndent = 0;

  constructor(text: string) {
    this.textLength = text.length;
    let input = text;
    if (input.length !== 0 && input.charCodeAt(input.length - 1) !== 0x0a) input += '\n';
    this.length = input.length;
    this.input = input + '\0';
  }

  /** js-yaml's `loadDocuments` and `readDocument` for a single document: its root node, or null when empty. */
  document(): YNode | null {
    const input = this.input;
    while (input.charCodeAt(this.position) === 0x20) {
      this.lineIndent += 1;
      this.position += 1;
    }
    if (!(this.position < this.length - 1)) return null;
    if (input.charCodeAt(this.position) !== 0) {
      this.skipSeparationSpace(true);
      if (this.lineIndent <= 0 && input.charCodeAt(this.position) === 0x25 /* % */) throw DECLINE; // a directive
    }
    this.skipSeparationSpace(true);
    if (
      this.lineIndent === 0 &&
      input.charCodeAt(this.position) === 0x2d &&
      input.charCodeAt(this.position + 1) === 0x2d &&
      input.charCodeAt(this.position + 2) === 0x2d
    ) {
      const after = input.charCodeAt(this.position + 3);
      if (!(after === 0 || isWsOrEol(after))) throw DECLINE;
      this.position += 3;
      this.skipSeparationSpace(true);
    }
    const root = this.composeNode(this.lineIndent - 1, CONTEXT_BLOCK_OUT, false, true);
    this.skipSeparationSpace(true);
    if (this.position === this.lineStart && this.testDocumentSeparator()) throw DECLINE; // `...` or another document
    if (this.position < this.length - 1) throw DECLINE; // js-yaml: "end of the stream or a document separator is expected"
    return root.kind === 'scalar' && root.value === null ? null : root;
  }

  /** `TreeBuilder.endLineOf` for a node that closes at the current position. */
  private endLineOf(startLine: number): number {
    const input = this.input;
    const closeAt = this.position;
    // (nested collections often close at the same position: the scan back over blank lines is done once)
    if (closeAt === this.lastCloseAt) return this.lastCloseLine > startLine ? this.lastCloseLine : startLine;
    let i = Math.min(closeAt, this.textLength);
    let line = closeAt > this.textLength ? this.line : this.line + 1; // the line of `i`
    i -= 1;
    for (let c = input.charCodeAt(i); i > 0 && (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09); c = input.charCodeAt(i)) {
      if (c === 0x0a) line -= 1;
      i -= 1;
    }
    if (i <= 0) line = 1;
    this.lastCloseAt = closeAt;
    this.lastCloseLine = line;
    return line > startLine ? line : startLine;
  }

  private readLineBreak(): void {
    const input = this.input;
    const ch = input.charCodeAt(this.position);
    if (ch === 0x0a) {
      this.position++;
    } else if (ch === 0x0d) {
      this.position++;
      if (input.charCodeAt(this.position) === 0x0a) this.position++;
    } else {
      throw DECLINE; // js-yaml: "a line break is expected"
    }
    this.line += 1;
    this.lineStart = this.position;
    this.firstTabInLine = -1;
  }

  private skipSeparationSpace(allowComments: boolean): number {
    const input = this.input;
    let pos = this.position;
    let lineBreaks = 0;
    let lineStart = 0;
    if (pos === this.peekFrom) {
      // (the blank space after a plain scalar, already scanned by `readPlainScalar`)
      this.peekFrom = -1;
      pos = this.peekTo;
      lineBreaks = this.peekLineBreaks;
      lineStart = this.peekLineStart;
      this.lineIndent = this.peekIndent;
      this.firstTabInLine = -1;
      if (input.charCodeAt(pos) !== 0x23 /* # */) {
        // (it stops at what is neither blank nor a comment)
        this.position = pos;
        this.line += lineBreaks;
        this.lineStart = lineStart;
        return lineBreaks;
      }
    }
    let ch = input.charCodeAt(pos);
    while (ch !== 0) {
      while (ch === 0x20 || ch === 0x09) {
        if (ch === 0x09 && this.firstTabInLine === -1) this.firstTabInLine = pos;
        ch = input.charCodeAt(++pos);
      }
      if (allowComments && ch === 0x23 /* # */) {
        // To the line's end (the input ends with a line feed; a carriage return only comes before one).
        pos = input.indexOf('\n', pos);
        ch = 0x0a;
      }
      if (ch === 0x0a) {
        pos++;
      } else if (ch === 0x0d) {
        pos++;
        if (input.charCodeAt(pos) === 0x0a) pos++;
      } else {
        break;
      }
      lineBreaks++;
      lineStart = pos;
      this.firstTabInLine = -1;
      ch = input.charCodeAt(pos);
      while (ch === 0x20) ch = input.charCodeAt(++pos);
      this.lineIndent = pos - lineStart;
    }
    this.position = pos;
    if (lineBreaks !== 0) {
      this.line += lineBreaks;
      this.lineStart = lineStart;
    }
    return lineBreaks;
  }


  private testDocumentSeparator(): boolean {
    const input = this.input;
    let p = this.position;
    let ch = input.charCodeAt(p);
    if ((ch === 0x2d || ch === 0x2e) && ch === input.charCodeAt(p + 1) && ch === input.charCodeAt(p + 2)) {
      p += 3;
      ch = input.charCodeAt(p);
      if (ch === 0 || isWsOrEol(ch)) return true;
    }
    return false;
  }

  /** A plain scalar's text, or null when there is none at the position (js-yaml's `readPlainScalar`). */
  private readPlainScalar(nodeIndent: number, withinFlowCollection: boolean): string | null {
    const input = this.input;
    let ch = input.charCodeAt(this.position);
    if (
      isWsOrEol(ch) ||
      isFlowIndicator(ch) ||
      ch === 0x23 /* # */ ||
      ch === 0x26 /* & */ ||
      ch === 0x2a /* * */ ||
      ch === 0x21 /* ! */ ||
      ch === 0x7c /* | */ ||
      ch === 0x3e /* > */ ||
      ch === 0x27 /* ' */ ||
      ch === 0x22 /* " */ ||
      ch === 0x25 /* % */ ||
      ch === 0x40 /* @ */ ||
      ch === 0x60 /* ` */
    ) {
      return null;
    }
    if (ch === 0x3f /* ? */ || ch === 0x2d /* - */) {
      const following = input.charCodeAt(this.position + 1);
      if (isWsOrEol(following) || (withinFlowCollection && isFlowIndicator(following))) return null;
    }
    let result = '';
    let captureStart = this.position;
    let captureEnd = this.position;
    let hasPendingContent = false;
    let lineBefore = 0;
    while (ch !== 0) {
      if (PLAIN_RUN[ch] === 1 && !hasPendingContent && this.position !== this.lineStart) {
        let p = this.position;
        if (!withinFlowCollection) {
          // Outside flow collections, nothing but the line's end stops a scalar on a line without `:` or `#`:
          // the common case, found with native searches.
          const eol = this.eolAfter(p);
          if (this.plainToEol(p, eol)) {
            let end = eol;
            if (input.charCodeAt(end - 1) === 0x0d) end--; // (the line break starts at a CRLF's CR)
            let last = end;
            for (let c = input.charCodeAt(last - 1); c === 0x20 || c === 0x09; c = input.charCodeAt(last - 1)) last--;
            captureEnd = last;
            this.position = end;
            ch = input.charCodeAt(end);
            continue;
          }
        }
        // Runs of ordinary characters and spaces, as the checks below would take them one by one.
        do {
          do ch = input.charCodeAt(++p);
          while (PLAIN_RUN[ch] === 1);
          captureEnd = p;
          while (ch === 0x20) ch = input.charCodeAt(++p);
        } while (PLAIN_RUN[ch] === 1);
        this.position = p;
        continue;
      }
      if (ch === 0x3a /* : */) {
        const following = input.charCodeAt(this.position + 1);
        if (isWsOrEol(following) || (withinFlowCollection && isFlowIndicator(following))) break;
      } else if (ch === 0x23 /* # */) {
        if (isWsOrEol(input.charCodeAt(this.position - 1))) break;
      } else if ((this.position === this.lineStart && this.testDocumentSeparator()) || (withinFlowCollection && isFlowIndicator(ch))) {
        break;
      } else if (isEol(ch)) {
        // Where the scalar most often ends: the next line that is not blank is less indented. Found without
        // moving (js-yaml skips to it, then moves back to the scalar's end).
        let p = this.position;
        let c = ch;
        let indent = 0;
        let lineBreaks = 0;
        let start = 0;
        let tab = false;
        for (;;) {
          p += c === 0x0d && input.charCodeAt(p + 1) === 0x0a ? 2 : 1;
          lineBreaks++;
          start = p;
          c = input.charCodeAt(p);
          while (c === 0x20) c = input.charCodeAt(++p);
          indent = p - start;
          tab = c === 0x09;
          while (c === 0x20 || c === 0x09) c = input.charCodeAt(++p);
          if (c !== 0x0a && c !== 0x0d) break;
        }
        if (indent < nodeIndent) {
          this.position = captureEnd;
          if (!tab) {
            // What the next `skipSeparationSpace` finds first (it starts from here): kept, not scanned again.
            this.peekFrom = captureEnd;
            this.peekTo = p;
            this.peekLineBreaks = lineBreaks;
            this.peekLineStart = start;
            this.peekIndent = indent;
          }
          break;
        }
        const line = this.line;
        const lineStart = this.lineStart;
        const lineIndent = this.lineIndent;
        lineBefore = line;
        this.skipSeparationSpace(false);
        if (this.lineIndent >= nodeIndent) {
          hasPendingContent = true;
          ch = input.charCodeAt(this.position);
          continue;
        } else {
          this.position = captureEnd;
          this.line = line;
          this.lineStart = lineStart;
          this.lineIndent = lineIndent;
          break;
        }
      }
      if (hasPendingContent) {
        if (captureStart < captureEnd) result += input.slice(captureStart, captureEnd);
        result += foldedLines(this.line - lineBefore);
        captureStart = captureEnd = this.position;
        hasPendingContent = false;
      }
      if (!isWhiteSpace(ch)) captureEnd = this.position + 1;
      ch = input.charCodeAt(++this.position);
    }
    if (captureStart < captureEnd) result += input.slice(captureStart, captureEnd);
    return result === '' ? null : result;
  }

  /**
   * `readPlainScalar(nodeIndent, false)` for a scalar that starts at the position, on a letter, digit or `_` after
   * a key's `: `. Most are the rest of their line, without `: ` or ` #`, before a less indented line: read here
   * with native searches (a small function: cheap to call before V8 optimises the parser).
   */
  /** The first line feed at or after `from` (the search is kept while it is ahead, see `eolFrom`). */
  private eolAfter(from: number): number {
    if (!(this.eolFrom <= from && from <= this.eolAt)) {
      this.eolFrom = from;
      this.eolAt = this.input.indexOf('\n', from);
    }
    return this.eolAt;
  }

  /** Whether the text from `from` to `eol` holds no `:` and no `#` (a plain scalar there runs to the line's end). */
  private plainToEol(from: number, eol: number): boolean {
    if (!(this.colonFrom <= from && from <= this.colonAt)) {
      this.colonFrom = from;
      this.colonAt = this.input.indexOf(':', from) >>> 0; // (none: 2^32 - 1)
    }
    if (!(this.hashFrom <= from && from <= this.hashAt)) {
      this.hashFrom = from;
      this.hashAt = this.input.indexOf('#', from) >>> 0;
    }
    return this.colonAt > eol && this.hashAt > eol;
  }

  private readPlainValue(nodeIndent: number): string {
    const input = this.input;
    const from = this.position;
    const eol = this.eolAfter(from);
    if (!this.plainToEol(from, eol)) return this.readPlainScalar(nodeIndent, false)!;
    // The next line that is not blank, as `readPlainScalar` looks for it at the line's end.
    let p = eol + 1;
    let lineBreaks = 1;
    let start = p;
    let c = input.charCodeAt(p);
    for (;;) {
      while (c === 0x20) c = input.charCodeAt(++p);
      if (c === 0x0a) {
        c = input.charCodeAt(++p);
        lineBreaks++;
        start = p;
      } else if (c === 0x0d || c === 0x09) {
        return this.readPlainScalar(nodeIndent, false)!; // (the general case)
      } else {
        break;
      }
    }
    const indent = p - start;
    if (indent >= nodeIndent) return this.readPlainScalar(nodeIndent, false)!; // a continuation line
    let end = eol;
    if (input.charCodeAt(end - 1) === 0x0d) end--;
    for (let e = input.charCodeAt(end - 1); e === 0x20 || e === 0x09; e = input.charCodeAt(end - 1)) end--;
    this.position = end;
    this.peekFrom = end;
    this.peekTo = p;
    this.peekLineBreaks = lineBreaks;
    this.peekLineStart = start;
    this.peekIndent = indent;
    return input.slice(from, end);
  }

  private readSingleQuotedScalar(): string {
    const input = this.input;
    let result = '';
    this.position++;
    {
      // The common case, found with native searches: the closing quote on the same line, no `''` before it.
      const from = this.position;
      const close = input.indexOf("'", from);
      if (close !== -1 && close < this.eolAfter(from) && input.charCodeAt(close + 1) !== 0x27) {
        result = input.slice(this.position, close);
        this.position = close + 1;
        return result;
      }
    }
    let captureStart = this.position;
    let captureEnd = this.position;
    let ch: number;
    while ((ch = input.charCodeAt(this.position)) !== 0) {
      if (SINGLE_QUOTED_RUN[ch] === 1 && this.position !== this.lineStart) {
        this.position = captureEnd = endOfRun(input, this.position, SINGLE_QUOTED_RUN);
        continue;
      }
      if (ch === 0x27 /* ' */) {
        if (captureStart < this.position) result += input.slice(captureStart, this.position);
        ch = input.charCodeAt(++this.position);
        if (ch === 0x27) {
          captureStart = this.position;
          this.position++;
          captureEnd = this.position;
        } else {
          return result;
        }
      } else if (isEol(ch)) {
        if (captureStart < captureEnd) result += input.slice(captureStart, captureEnd);
        result += foldedLines(this.skipSeparationSpace(false));
        captureStart = captureEnd = this.position;
      } else if (this.position === this.lineStart && this.testDocumentSeparator()) {
        throw DECLINE; // js-yaml: "unexpected end of the document within a single quoted scalar"
      } else {
        this.position++;
        captureEnd = this.position;
      }
    }
    throw DECLINE; // js-yaml: "unexpected end of the stream within a single quoted scalar"
  }

  private readDoubleQuotedScalar(): string {
    const input = this.input;
    let result = '';
    this.position++;
    {
      // The common case, found with native searches: the closing quote on the same line, no escape before it.
      const from = this.position;
      const close = input.indexOf('"', from);
      if (close !== -1 && close < this.eolAfter(from)) {
        if (!(this.backslashFrom <= from && from <= this.backslashAt)) {
          this.backslashFrom = from;
          this.backslashAt = input.indexOf('\\', from) >>> 0; // (none: 2^32 - 1)
        }
        if (close < this.backslashAt) {
          result = input.slice(from, close);
          this.position = close + 1;
          return result;
        }
      }
    }
    let captureStart = this.position;
    let captureEnd = this.position;
    let ch: number;
    while ((ch = input.charCodeAt(this.position)) !== 0) {
      if (DOUBLE_QUOTED_RUN[ch] === 1 && this.position !== this.lineStart) {
        this.position = captureEnd = endOfRun(input, this.position, DOUBLE_QUOTED_RUN);
        continue;
      }
      if (ch === 0x22 /* " */) {
        if (captureStart < this.position) result += input.slice(captureStart, this.position);
        this.position++;
        return result;
      } else if (ch === 0x5c /* \ */) {
        if (captureStart < this.position) result += input.slice(captureStart, this.position);
        ch = input.charCodeAt(++this.position);
        let tmp: number;
        if (isEol(ch)) {
          this.skipSeparationSpace(false);
        } else if (ch < 256 && SIMPLE_ESCAPES[ch] !== '') {
          result += SIMPLE_ESCAPES[ch]!;
          this.position++;
        } else if ((tmp = escapedHexLen(ch)) > 0) {
          let hexLength = tmp;
          let hexResult = 0;
          for (; hexLength > 0; hexLength--) {
            ch = input.charCodeAt(++this.position);
            if ((tmp = fromHexCode(ch)) >= 0) hexResult = (hexResult << 4) + tmp;
            else throw DECLINE; // js-yaml: "expected hexadecimal character"
          }
          result += charFromCodepoint(hexResult);
          this.position++;
        } else {
          throw DECLINE; // js-yaml: "unknown escape sequence"
        }
        captureStart = captureEnd = this.position;
      } else if (isEol(ch)) {
        if (captureStart < captureEnd) result += input.slice(captureStart, captureEnd);
        result += foldedLines(this.skipSeparationSpace(false));
        captureStart = captureEnd = this.position;
      } else if (this.position === this.lineStart && this.testDocumentSeparator()) {
        throw DECLINE; // js-yaml: "unexpected end of the document within a double quoted scalar"
      } else {
        this.position++;
        captureEnd = this.position;
      }
    }
    throw DECLINE; // js-yaml: "unexpected end of the stream within a double quoted scalar"
  }

  /** A flow sequence or mapping that starts at the position (`[` or `{`), opened on `line`. */
  private readFlowCollection(nodeIndent: number, line: number): YNode {
    const input = this.input;
    let ch = input.charCodeAt(this.position);
    const isMapping = ch === 0x7b;
    const terminator = isMapping ? 0x7d : 0x5d;
    const items: YNode[] = [];
    const entries = new Map<string, YEntry>();
    let readNext = true;
    ch = input.charCodeAt(++this.position);
    while (ch !== 0) {
      this.skipSeparationSpace(true);
      ch = input.charCodeAt(this.position);
      if (ch === terminator) {
        this.position++;
        if (isMapping) return { kind: 'map', entries, line, endLine: this.endLineOf(line) } satisfies YMap;
        return { kind: 'seq', items, line, endLine: this.endLineOf(line) } satisfies YSeq;
      } else if (!readNext) {
        throw DECLINE; // js-yaml: "missed comma between flow collection entries"
      } else if (ch === 0x2c /* , */) {
        throw DECLINE; // js-yaml: "expected the node content, but found ','"
      }
      if (ch === 0x3f /* ? */ && isWsOrEol(input.charCodeAt(this.position + 1))) throw DECLINE; // an explicit pair
      const keyLine = this.line;
      const keyNode = this.composeNode(nodeIndent, CONTEXT_FLOW_IN, false, true);
      this.skipSeparationSpace(true);
      ch = input.charCodeAt(this.position);
      if (this.line === keyLine && ch === 0x3a /* : */) {
        // A pair inside a sequence becomes a one-key mapping `TreeBuilder` cannot place: declined.
        if (!isMapping) throw DECLINE;
        ch = input.charCodeAt(++this.position);
        this.skipSeparationSpace(true);
        const value = this.composeNode(nodeIndent, CONTEXT_FLOW_IN, false, true);
        const key = keyOf(keyNode);
        const size = entries.size;
        entries.set(key, { key, keyLine: keyNode.line, value });
        if (entries.size === size) throw DECLINE; // js-yaml: "duplicated mapping key"
      } else if (isMapping) {
        throw DECLINE; // a key without a value: `TreeBuilder` cannot pair the nodes
      } else {
        items.push(keyNode);
      }
      this.skipSeparationSpace(true);
      ch = input.charCodeAt(this.position);
      if (ch === 0x2c /* , */) {
        readNext = true;
        ch = input.charCodeAt(++this.position);
      } else {
        readNext = false;
      }
    }
    throw DECLINE; // js-yaml: "unexpected end of the stream within a flow collection"
  }

  private readBlockScalar(nodeIndent: number): string {
    const input = this.input;
    let ch = input.charCodeAt(this.position);
    const folding = ch === 0x3e; /* > */
    let chomping = CHOMPING_CLIP;
    let didReadContent = false;
    let detectedIndent = false;
    let textIndent = nodeIndent;
    let emptyLines = 0;
    let atMoreIndented = false;
    let result = '';
    while (ch !== 0) {
      ch = input.charCodeAt(++this.position);
      if (ch === 0x2b /* + */ || ch === 0x2d /* - */) {
        if (chomping === CHOMPING_CLIP) chomping = ch === 0x2b ? CHOMPING_KEEP : CHOMPING_STRIP;
        else throw DECLINE; // js-yaml: "repeat of a chomping mode identifier"
      } else if (ch >= 0x30 && ch <= 0x39) {
        const digit = ch - 0x30;
        if (digit === 0) throw DECLINE; // js-yaml: "bad explicit indentation width of a block scalar"
        else if (!detectedIndent) {
          textIndent = nodeIndent + digit - 1;
          detectedIndent = true;
        } else {
          throw DECLINE; // js-yaml: "repeat of an indentation width identifier"
        }
      } else {
        break;
      }
    }
    if (isWhiteSpace(ch)) {
      do {
        ch = input.charCodeAt(++this.position);
      } while (isWhiteSpace(ch));
      if (ch === 0x23 /* # */) {
        do {
          ch = input.charCodeAt(++this.position);
        } while (!isEol(ch) && ch !== 0);
      }
    }
    while (ch !== 0) {
      this.readLineBreak();
      this.lineIndent = 0;
      ch = input.charCodeAt(this.position);
      while ((!detectedIndent || this.lineIndent < textIndent) && ch === 0x20) {
        this.lineIndent++;
        ch = input.charCodeAt(++this.position);
      }
      if (!detectedIndent && this.lineIndent > textIndent) textIndent = this.lineIndent;
      if (isEol(ch)) {
        emptyLines++;
        continue;
      }
      // End of the scalar.
      if (this.lineIndent < textIndent) {
        if (chomping === CHOMPING_KEEP) result += '\n'.repeat(didReadContent ? 1 + emptyLines : emptyLines);
        else if (chomping === CHOMPING_CLIP && didReadContent) result += '\n';
        break;
      }
      if (folding) {
        if (isWhiteSpace(ch)) {
          // More-indented lines are not folded (except for the first content line).
          atMoreIndented = true;
          result += '\n'.repeat(didReadContent ? 1 + emptyLines : emptyLines);
        } else if (atMoreIndented) {
          atMoreIndented = false;
          result += '\n'.repeat(emptyLines + 1);
        } else if (emptyLines === 0) {
          if (didReadContent) result += ' ';
        } else {
          result += '\n'.repeat(emptyLines);
        }
      } else {
        result += '\n'.repeat(didReadContent ? 1 + emptyLines : emptyLines);
      }
      didReadContent = true;
      detectedIndent = true;
      emptyLines = 0;
      const captureStart = this.position;
      while (!isEol(ch) && ch !== 0) ch = input.charCodeAt(++this.position);
      if (captureStart < this.position) result += input.slice(captureStart, this.position);
    }
    return result;
  }

  /** The items of a block sequence at the position, or null when there is none. */
  private readBlockSequence(nodeIndent: number): YNode[] | null {
    // (a tab before the position: not a block collection)
    if (this.firstTabInLine !== -1) return null;
    const input = this.input;
    let ch = input.charCodeAt(this.position);
    let items: YNode[] | null = null;
    while (ch !== 0) {
      if (this.firstTabInLine !== -1) throw DECLINE; // js-yaml: "tab characters must not be used in indentation"
      if (ch !== 0x2d /* - */) break;
      if (!isWsOrEol(input.charCodeAt(this.position + 1))) break;
      items ??= [];
      this.position++;
      // An empty item: js-yaml pushes null without a node, and `TreeBuilder` then places every item at the
      // sequence's line. Declined.
      if (this.skipSeparationSpace(true) !== 0 && this.lineIndent <= nodeIndent) throw DECLINE;
      const line = this.line;
      const item = this.composeNode(nodeIndent, CONTEXT_BLOCK_IN, false, true);
      if (!this.hasContent) throw DECLINE; // (js-yaml then fails on the rest of the line)
      items.push(item);
      this.skipSeparationSpace(true);
      ch = input.charCodeAt(this.position);
      if ((this.line === line || this.lineIndent > nodeIndent) && ch !== 0) {
        throw DECLINE; // js-yaml: "bad indentation of a sequence entry"
      } else if (this.lineIndent < nodeIndent) {
        break;
      }
    }
    return items;
  }

  /**
   * The entries of a block mapping at the position; or, when the first would-be key is not followed by `:` on its
   * line, that node itself (js-yaml keeps it as the value being composed); or null when no node starts there.
   */
  private readBlockMapping(nodeIndent: number, flowIndent: number): Map<string, YEntry> | YNode | null {
    // (a tab before the position: not a block collection)
    if (this.firstTabInLine !== -1) return null;
    const input = this.input;
    let ch = input.charCodeAt(this.position);
    let entries: Map<string, YEntry> | null = null;
    while (ch !== 0) {
      if (this.firstTabInLine !== -1) throw DECLINE; // js-yaml: "tab characters must not be used in indentation"
      const line = this.line;
      let key: string;
      let keyLine: number;
      let keyNode: YNode | undefined;
      if (ch < 0x80 && KEY_START[ch] === 1) {
        // On a letter, digit or `_`, `composeNode` (for the key) starts nothing but a plain scalar.
        const start = this.position;
        let p = start;
        do ch = input.charCodeAt(++p);
        while (PLAIN_RUN[ch] === 1);
        const following = input.charCodeAt(p + 1);
        if (ch === 0x3a && (following === 0x20 || following === 0x0a || following === 0x0d)) {
          // A key of ordinary characters right before `: ` or `:` and a line break.
          key = input.slice(start, p);
          const first = input.charCodeAt(start);
          if (MAY_RESOLVE[first] === 1) key = keyString(resolvePlain(key));
          else if ((first === 0x5f || first === 0x63 || first === 0x70) && isSpecialKey(key)) throw DECLINE;
          keyLine = line + 1;
          this.position = p + 1;
        } else {
          keyNode = scalarNode(resolvePlain(this.readPlainScalar(flowIndent, false)!), line + 1);
        }
      } else {
        if ((ch === 0x3f /* ? */ || ch === 0x3a) /* : */ && isWsOrEol(input.charCodeAt(this.position + 1))) throw DECLINE; // explicit
        keyNode = this.composeNode(flowIndent, CONTEXT_FLOW_OUT, false, true);
        if (!this.hasContent) {
          // Not a key. After entries, js-yaml fails on what follows (or it is a document marker): declined.
          if (entries !== null) throw DECLINE;
          return null;
        }
      }
      if (keyNode !== undefined) {
        if (this.line === line) {
          ch = input.charCodeAt(this.position);
          while (isWhiteSpace(ch)) ch = input.charCodeAt(++this.position);
          if (ch === 0x3a /* : */) {
            ch = input.charCodeAt(++this.position);
            if (!isWsOrEol(ch)) throw DECLINE; // js-yaml: "a whitespace character is expected after the key-value separator"
          } else if (entries !== null) {
            throw DECLINE; // js-yaml: "can not read an implicit mapping pair; a colon is missed"
          } else {
            this.hasContent = true;
            return keyNode; // not a key: the node `composeNode` is reading
          }
        } else if (entries !== null) {
          throw DECLINE; // js-yaml: "can not read a block mapping entry; a multiline key may not be an implicit key"
        } else {
          this.hasContent = true;
          return keyNode;
        }
        key = keyOf(keyNode);
        keyLine = keyNode.line;
      }
      entries ??= new Map();
      // The value. On a letter, digit or `_` after spaces on the key's line, `composeNode` reads a plain scalar.
      let p = this.position;
      let c = input.charCodeAt(p);
      while (c === 0x20) c = input.charCodeAt(++p);
      let value: YNode;
      if (c < 0x80 && KEY_START[c] === 1) {
        this.position = p;
        const text = this.readPlainValue(nodeIndent + 1);
        value = { kind: 'scalar', value: MAY_RESOLVE[c] === 1 ? resolvePlain(text) : text, line: line + 1, endLine: line + 1 } satisfies YScalar;
      } else {
        value = this.composeNode(nodeIndent, CONTEXT_BLOCK_OUT, true, false);
      }
      const size = entries.size;
      entries.set(key!, { key: key!, keyLine: keyLine!, value });
      if (entries.size === size) throw DECLINE; // js-yaml: "duplicated mapping key"
      this.skipSeparationSpace(true);
      ch = input.charCodeAt(this.position);
      if ((this.line === line || this.lineIndent > nodeIndent) && ch !== 0) {
        throw DECLINE; // js-yaml: "bad indentation of a mapping entry"
      } else if (this.lineIndent < nodeIndent) {
        break;
      }
    }
    return entries;
  }


  /** js-yaml's `composeNode`: the node at the position (a null scalar, with `hasContent` false, when none). */
  private composeNode(parentIndent: number, nodeContext: number, allowToSeek: boolean, allowCompact: boolean): YNode {
    const input = this.input;
    // The 1-based line of the position, as `LineIndex.lineAt` counts it in the text (not the final line feed added).
    const line = this.position > this.textLength ? this.line : this.line + 1;
    const allowBlockStyles = nodeContext === CONTEXT_BLOCK_OUT || nodeContext === CONTEXT_BLOCK_IN;
    let allowBlockCollections = allowBlockStyles;
    let indentStatus = 1; // 1: this>parent, 0: this=parent, -1: this<parent
    let atNewLine = false;
    if (allowToSeek && this.skipSeparationSpace(true) !== 0) {
      atNewLine = true;
      indentStatus = this.lineIndent > parentIndent ? 1 : this.lineIndent === parentIndent ? 0 : -1;
    }
    const ch = input.charCodeAt(this.position);
    if (indentStatus === 1 && (ch === 0x21 /* ! */ || ch === 0x26) /* & */) throw DECLINE; // a tag or an anchor
    if (allowBlockCollections) allowBlockCollections = atNewLine || allowCompact;
    let triedKey = false;
    if (indentStatus === 1 || nodeContext === CONTEXT_BLOCK_OUT) {
      const flowIndent = nodeContext === CONTEXT_FLOW_IN || nodeContext === CONTEXT_FLOW_OUT ? parentIndent : parentIndent + 1;
      const blockIndent = this.position - this.lineStart;
      if (indentStatus === 1) {
        if (allowBlockCollections) {
          const items = ch === 0x2d /* - */ ? this.readBlockSequence(blockIndent) : null;
          if (items !== null) {
            this.hasContent = true;
            return { kind: 'seq', items, line, endLine: this.endLineOf(line) } satisfies YSeq;
          }
          const mapping = this.readBlockMapping(blockIndent, flowIndent);
          if (mapping !== null) {
            this.hasContent = true;
            if (mapping instanceof Map) return { kind: 'map', entries: mapping, line, endLine: this.endLineOf(line) } satisfies YMap;
            return mapping; // js-yaml's wrapper around the node read as a would-be key: `TreeBuilder` takes the node
          }
          // (js-yaml composed a would-be key there unless the input ended or a tab came before)
          triedKey = ch !== 0 && this.firstTabInLine === -1;
        }
        let value: unknown;
        if (ch === 0x5b /* [ */ || ch === 0x7b /* { */) {
          const node = this.readFlowCollection(flowIndent, line);
          this.hasContent = true;
          return node;
        } else if (allowBlockStyles && (ch === 0x7c /* | */ || ch === 0x3e) /* > */) {
          value = this.readBlockScalar(flowIndent);
        } else if (ch === 0x27 /* ' */) {
          value = this.readSingleQuotedScalar();
        } else if (ch === 0x22 /* " */) {
          value = this.readDoubleQuotedScalar();
        } else if (ch === 0x2a /* * */) {
          throw DECLINE; // an alias
        } else {
          const plain = this.readPlainScalar(flowIndent, nodeContext === CONTEXT_FLOW_IN);
          if (plain !== null) {
            this.hasContent = true;
            return scalarNode(resolvePlain(plain), line);
          }
          // (`TreeBuilder` would take the would-be key's empty node, opened elsewhere: declined below)
          if (triedKey) throw DECLINE;
          this.hasContent = false;
          return scalarNode(null, line);
        }
        this.hasContent = true;
        return scalarNode(value, line);
      } else if (indentStatus === 0 && allowBlockCollections) {
        // Block sequences may have the same indentation as their parent mapping's keys.
        const items = this.readBlockSequence(blockIndent);
        if (items !== null) {
          this.hasContent = true;
          return { kind: 'seq', items, line, endLine: this.endLineOf(line) } satisfies YSeq;
        }
      }
    }
    this.hasContent = false;
    return scalarNode(null, line);
  }
}

/** A mapping key as `TreeBuilder` spells it (`String` of js-yaml's value); special keys and collections decline. */
function keyOf(node: YNode): string {
  if (node.kind !== 'scalar') throw DECLINE;
  return keyString(node.value);
}

function keyString(value: unknown): string {
  const key = typeof value === 'string' ? value : String(value);
  if (isSpecialKey(key)) throw DECLINE;
  return key;
}

/** The root of `text`'s single document (null when it has none or it is null); throws `DECLINE`. */
export function parseDocument(text: string): YNode | null {
  return new Parser(text).document();
}
