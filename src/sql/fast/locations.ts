/** `loc` objects exactly as PEG.js computes them (1-based line and column, columns counted in UTF-16 units). */
import type { Loc, ParseState, Position } from './state.js';

function position(state: ParseState, offset: number): Position {
  const starts = state.lineStartOffsets();
  const h = state.lineHint;
  const hs = starts[h] as number;
  if (hs <= offset && (h + 1 >= starts.length || (starts[h + 1] as number) > offset)) {
    return { offset, line: h + 1, column: offset - hs + 1 };
  }
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((starts[mid] as number) <= offset) lo = mid;
    else hi = mid - 1;
  }
  state.lineHint = lo;
  return { offset, line: lo + 1, column: offset - (starts[lo] as number) + 1 };
}

export function loc(state: ParseState, start: number, end: number): Loc {
  return { start: position(state, start), end: position(state, end) };
}
