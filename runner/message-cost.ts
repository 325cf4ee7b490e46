// What a child's message costs the parent in memory, told from its bytes alone (before any of it is
// parsed), so that the parent bounds what it keeps by memory and not only by bytes: the parsed form
// of many small entries (an object per node, tensor, edge and range, a string per id) is several
// times larger than their JSON, while a long string costs about its length. Pure: no Node APIs.
//
// The cost of a message is its bytes plus, for what V8 allocates beyond the text:
//   SLOT_COST       for every member of an object or array (a pointer, and room for its list to grow)
//   CONTAINER_COST  for every object or array (its header and backing store)
//   STRING_COST     for every string value (its header; object keys are shared by V8, not counted)
// An upper bound for every kind of JSON token (measured in V8: an empty array in a list 40 bytes, a
// short string in a list 32-40, a number 8-24): on the snapshots the runner really sends, about 1.3
// times what the parent keeps of them (a 20,000-op trace: 56 MB kept, 70 MB of cost); on a graph of
// many tiny entries about 1.9 times. The parent refuses a line whose cost passes its budget as the
// bytes arrive (runner/channel.ts), and the child measures its own line the same way before it sends
// it (runner/child-result.ts), so that a real run leaves out what does not fit instead of being refused.

export const SLOT_COST = 16;
export const CONTAINER_COST = 32;
export const STRING_COST = 24;

const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;
const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;

/** Counts, piece by piece, what a JSON text will cost once parsed. Bytes and characters count alike:
 * every byte the counter looks at is ASCII, and UTF-8 never puts an ASCII byte inside a character. */
export class CostCounter {
  bytes = 0;
  containers = 0;
  private commas = 0;
  private strings = 0;
  private colons = 0;
  private inString = false;
  private escaped = false;

  /** Count a piece of the text: bytes (a Buffer's) or a string's characters (with its UTF-8 length). */
  push(piece: Uint8Array | string, utf8Bytes?: number): void {
    const text = typeof piece === "string";
    const n = piece.length;
    this.bytes += text ? (utf8Bytes ?? n) : n;
    let { inString, escaped, containers, commas, strings, colons } = this;
    for (let i = 0; i < n; i++) {
      const b = text ? (piece as string).charCodeAt(i) : (piece as Uint8Array)[i]!;
      if (inString) {
        if (escaped) escaped = false;
        else if (b === BACKSLASH) escaped = true;
        else if (b === QUOTE) inString = false;
        continue;
      }
      if (b === QUOTE) {
        inString = true;
        strings++;
      } else if (b === COMMA) commas++;
      else if (b === COLON) colons++;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) containers++;
    }
    this.inString = inString;
    this.escaped = escaped;
    this.containers = containers;
    this.commas = commas;
    this.strings = strings;
    this.colons = colons;
  }

  /** Objects, arrays and string values so far (for messages). */
  get entries(): number {
    return this.containers + Math.max(0, this.strings - this.colons);
  }

  get cost(): number {
    return this.bytes + SLOT_COST * (this.commas + this.containers) + CONTAINER_COST * this.containers + STRING_COST * Math.max(0, this.strings - this.colons);
  }
}

/** The cost of a whole JSON text; `bytes` is its UTF-8 length (Buffer.byteLength). */
export function messageCost(text: string, bytes: number): CostCounter {
  const c = new CostCounter();
  c.push(text, bytes);
  return c;
}

/** "12 MB" */
export function mb(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MB`;
}
