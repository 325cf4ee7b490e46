// In-place editing of the snippet's text for the transpiler: blank, override, remove and insert,
// keeping every line where it is, and the map from generated positions back to the user's text.
import { floorIndex, isLineTerminator } from "./lines";

// In-place editing with a position map.

export const KEEP = 0;
export const BLANK = 1;
export const DELETE = 2;
export const OVERRIDE = 3;

export interface Insertion {
  pos: number;
  text: string;
}

export class Editor {
  readonly mask: Uint8Array;
  private readonly overrides = new Map<number, string>();
  private readonly insertions: Insertion[] = [];
  /** Offsets that received an insertion (for the statement-end semicolon rule). */
  readonly insertedAt = new Set<number>();

  constructor(private readonly src: string) {
    this.mask = new Uint8Array(src.length);
  }

  /** Replace [start, end) by spaces, keeping line terminators. */
  blank(start: number, end: number): void {
    const m = this.mask;
    for (let i = Math.max(0, start); i < end && i < m.length; i++) if (m[i] === KEEP) m[i] = BLANK;
  }

  /** Replace the single character at pos (never a line terminator) by ch. */
  override(pos: number, ch: string): void {
    this.mask[pos] = OVERRIDE;
    this.overrides.set(pos, ch);
  }

  /** Drop [start, end) except its line terminators. */
  remove(start: number, end: number): void {
    for (let i = start; i < end; i++) this.mask[i] = DELETE;
  }

  /** Insert newline-free text before the character at pos; same-position insertions keep order. */
  insert(pos: number, t: string): void {
    if (/[\n\r\u2028\u2029]/.test(t)) throw new Error("insertion with a line terminator");
    this.insertions.push({ pos, text: t });
    this.insertedAt.add(pos);
  }

  isEdited(pos: number): boolean {
    return this.mask[pos] !== KEEP;
  }

  private render(start: number, end: number): string {
    const { mask, src } = this;
    let out = "";
    let i = start;
    while (i < end) {
      const m = mask[i];
      let j = i + 1;
      while (j < end && mask[j] === m) j++;
      if (m === KEEP) out += src.slice(i, j);
      else if (m === BLANK) out += src.slice(i, j).replace(/[^\n\r\u2028\u2029]/g, " ");
      else for (let k = i; k < j; k++) out += this.overrides.get(k) ?? " ";
      i = j;
    }
    return out;
  }

  build(prefix: string, suffix: string): { code: string; map: PositionMap } {
    const { src, mask } = this;
    const n = src.length;
    const ins = this.insertions.slice().sort((a, b) => a.pos - b.pos); // stable
    const parts: string[] = [];
    const map = new PositionMap(n);
    let g = 0;
    const emit = (orig: number, inserted: boolean, t: string): void => {
      map.add(g, orig, inserted);
      parts.push(t);
      g += t.length;
    };
    emit(0, true, prefix);
    let ii = 0;
    let pos = 0;
    for (;;) {
      while (ii < ins.length && ins[ii].pos === pos) emit(pos, true, ins[ii++].text);
      if (pos >= n) break;
      if (mask[pos] === DELETE) {
        if (isLineTerminator(src.charCodeAt(pos))) emit(pos, false, src[pos]);
        pos++;
        continue;
      }
      const stop = ii < ins.length ? ins[ii].pos : n;
      let r = pos + 1;
      while (r < stop && mask[r] !== DELETE) r++;
      emit(pos, false, this.render(pos, r));
      pos = r;
    }
    emit(n, true, suffix);
    return { code: parts.join(""), map };
  }
}

/** Generated offset → original offset: copied runs map linearly, inserted text to its position. */
export class PositionMap {
  private readonly gen: number[] = [];
  private readonly orig: number[] = [];
  private readonly inserted: boolean[] = [];
  constructor(private readonly sourceLength: number) {}

  add(gen: number, orig: number, inserted: boolean): void {
    this.gen.push(gen);
    this.orig.push(orig);
    this.inserted.push(inserted);
  }

  toOriginal(genOffset: number): number {
    const i = floorIndex(this.gen, genOffset);
    const o = this.inserted[i] ? this.orig[i] : this.orig[i] + (genOffset - this.gen[i]);
    return Math.min(Math.max(0, o), this.sourceLength);
  }
}

