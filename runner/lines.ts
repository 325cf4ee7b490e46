// Lines and columns, two ways. V8 (and the parser) count ECMAScript line terminators: \n, \r\n, \r,
// U+2028 and U+2029. Editors count only \n, \r\n and \r: a U+2028 inside a string or comment is a
// character of its line there. Positions in the generated script are V8's; positions shown to the
// user are the editor's.

export function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

/** Offsets where lines start (ECMAScript line terminators: \n, \r\n, \r, U+2028, U+2029). */
export function lineStarts(s: string): number[] {
  const starts = [0];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13 && s.charCodeAt(i + 1) === 10) continue;
    if (isLineTerminator(c)) starts.push(i + 1);
  }
  return starts;
}

/** Offsets where lines start as an editor counts them (\n, \r\n, \r). */
export function editorLineStarts(s: string): number[] {
  const starts = [0];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 13 && s.charCodeAt(i + 1) === 10) continue;
    if (c === 10 || c === 13) starts.push(i + 1);
  }
  return starts;
}

/** Index of the last element <= value in a sorted array (0 when value precedes everything). */
export function floorIndex(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sorted[mid]! <= value) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * 1-based editor line and column of an offset, given editorLineStarts(src). A byte-order mark at the
 * start is not a column (editors do not show it).
 */
export function editorPosition(starts: readonly number[], src: string, offset: number): { line: number; column: number } {
  const i = floorIndex(starts, offset);
  let column = offset - starts[i]! + 1;
  if (i === 0 && offset > 0 && src.charCodeAt(0) === 0xfeff) column--;
  return { line: i + 1, column };
}
