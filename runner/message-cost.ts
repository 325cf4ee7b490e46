// What a child's message costs the parent in memory, told from its bytes alone (before any of it is
// parsed), so that the parent bounds what it keeps by memory and not only by bytes: the parsed form
// of many small entries (an object per node, tensor, edge and range, a string per id) is several
// times larger than their JSON, while a long string costs about its length. Pure: no Node APIs.
//
// The cost of a message is its bytes plus, for what V8 allocates beyond the text:
//   ELEMENT_COST     for every element of an array (a pointer, and the copy made when a list grows)
//   CONTAINER_COST   for every object or array (its header and backing store)
//   STRING_COST      for every string value (its header; object keys are shared by V8, not counted)
//   WIDE_MEMBER_COST for every member of an object past its WIDE_OBJECT_MEMBERS-th (a map)
// Calibrated on the parent's measured peak for each kind of JSON (empty arrays, short distinct
// strings, small integers, doubles, nulls, tiny objects, nested pairs, maps of distinct keys: each
// under 1.8x the 64 MB byte cap at the budget, bench/README.md row (x)), so that no mix of them
// passes twice the cap. On the snapshots the runner really sends the cost is about 1.2 times what the
// parent keeps (a 20,000-op trace: 53 MB kept, 64 MB of cost), on a graph of tiny entries about 1.6.
// The parent refuses a line whose cost passes its budget as the bytes arrive (runner/channel.ts), and
// the child measures its own line the same way before it sends it (runner/child-result.ts), so that
// a real run leaves out what does not fit instead of being refused.
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from "./json-bytes";

export const ELEMENT_COST = 24;
export const CONTAINER_COST = 32;
export const STRING_COST = 40;
/** An object with more members than this is a map (V8 keeps it as a hash table, each distinct key
 * a string of its own): each member past it costs WIDE_MEMBER_COST. Snapshot objects have fewer. */
export const WIDE_OBJECT_MEMBERS = 64;
export const WIDE_MEMBER_COST = 160;
/** Nesting tracked for members per object; members of objects deeper than this count as wide. */
const TRACKED_DEPTH = 1024;

/** Counts, piece by piece, what a JSON text (its UTF-8 bytes) will cost once parsed. Every byte the
 * counter looks at is ASCII, and UTF-8 never puts an ASCII byte inside a character. */
export class CostCounter {
  bytes = 0;
  containers = 0;
  private commas = 0;
  private strings = 0;
  private colons = 0;
  /** Members of objects past WIDE_OBJECT_MEMBERS (and of objects nested past TRACKED_DEPTH). */
  private wide = 0;
  private inString = false;
  private escaped = false;
  /** Open containers, and the members so far of each open object (-1: an array). */
  private depth = 0;
  private readonly members = new Int32Array(TRACKED_DEPTH + 1);

  /** Count the next piece of the text. */
  push(piece: Uint8Array): void {
    const n = piece.length;
    this.bytes += n;
    const members = this.members;
    let { inString, escaped, containers, commas, strings, colons, wide, depth } = this;
    for (let i = 0; i < n; i++) {
      const b = piece[i]!;
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
      else if (b === COLON) {
        colons++;
        if (depth > TRACKED_DEPTH || ++members[depth]! > WIDE_OBJECT_MEMBERS) wide++;
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        containers++;
        depth++;
        if (depth <= TRACKED_DEPTH) members[depth] = b === OPEN_BRACE ? 0 : -1;
      } else if ((b === CLOSE_BRACE || b === CLOSE_BRACKET) && depth > 0) depth--;
    }
    this.inString = inString;
    this.escaped = escaped;
    this.containers = containers;
    this.commas = commas;
    this.strings = strings;
    this.colons = colons;
    this.wide = wide;
    this.depth = depth;
  }

  /** Objects, arrays and string values so far (for messages). */
  get entries(): number {
    return this.containers + this.stringValues;
  }

  private get stringValues(): number {
    return Math.max(0, this.strings - this.colons);
  }

  get cost(): number {
    // Array elements: members (commas, and one more per container) that are not an object's.
    const elements = Math.max(0, this.commas + this.containers - this.colons);
    return this.bytes + ELEMENT_COST * elements + CONTAINER_COST * this.containers + STRING_COST * this.stringValues + WIDE_MEMBER_COST * this.wide;
  }
}

/** The cost of a whole JSON text, from its UTF-8 bytes. */
export function messageCost(bytes: Uint8Array): CostCounter {
  const c = new CostCounter();
  c.push(bytes);
  return c;
}

/** "12 MB" */
export function mb(bytes: number): string {
  return `${Math.round(bytes / 2 ** 20)} MB`;
}
