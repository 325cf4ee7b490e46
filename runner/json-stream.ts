// An incremental JSON parser for the child's messages (pure Node: Buffers, no vscode), so that the
// parent never holds a large message three times over (its bytes, their text, the parsed objects).
// A message is buffered as bytes only up to WHOLE_BYTES and then parsed by the native JSON.parse in
// one go (every message of an ordinary run). A larger one is taken apart as it arrives: inside its
// objects and arrays each member is buffered up to PIECE_BYTES and parsed natively on its own, a
// member that grows past that is descended into (an object or array) or, a string, turned into text
// a piece at a time (the pieces joined by V8 without copying). So while a message arrives the parent
// holds the objects parsed so far and at most WHOLE_BYTES of its bytes, never the whole line's text.
//
// The result is what JSON.parse would return for the same text (own "__proto__" keys included), and
// anything JSON.parse would reject is rejected (JsonStreamError), as is nesting deeper than MAX_DEPTH
// in the large form (the snapshot nests about 20 deep) and a key or number longer than PIECE_BYTES.
import { BACKSLASH, CLOSE_BRACE, CLOSE_BRACKET, COLON, COMMA, OPEN_BRACE, OPEN_BRACKET, QUOTE } from "./json-bytes";

/** A message up to this size is parsed by one JSON.parse of its bytes. */
export const WHOLE_BYTES = 8 * 2 ** 20;
/** Inside a larger message, a member up to this size is parsed by one JSON.parse; a string's pieces are this size. */
export const PIECE_BYTES = 2 ** 20;
/** Containers nested in the large form (each larger than PIECE_BYTES). */
export const MAX_DEPTH = 64;

export class JsonStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "JsonStreamError";
  }
}

function isSpace(b: number): boolean {
  return b === 32 || b === 9 || b === 10 || b === 13;
}

/** What a container in the large form expects next. */
const enum Want {
  FirstValue, // after "[": a value or "]"
  Value, // after "," in an array, or ":" in an object
  CommaOrEnd, // after a member
  FirstKey, // after "{": a key or "}"
  Key, // after "," in an object
  Colon,
}

interface Container {
  array: boolean;
  value: unknown[] | Record<string, unknown>;
  want: Want;
  key: string | undefined;
  /** Its key in the container that holds it (its index for an array's member, null at the top). */
  at: string | number | null;
}

/**
 * Called with each entry of a list two levels down (`{"snapshot": {"<list>": [entry, ...]}}`) as soon
 * as the entry is parsed, in the large form only; what it returns is kept instead (the parent checks
 * the entry there, so the parsed entry can go at once). What it throws ends the parse.
 */
export type EntryHook = (list: string, index: number, entry: unknown, into: unknown[]) => unknown;

/** A member being buffered: its bytes so far and where its scan is. */
interface Member {
  parts: Buffer[];
  size: number;
  /** "s" string, "c" object or array, "n" number or literal. */
  type: "s" | "c" | "n";
  depth: number;
  inString: boolean;
  escaped: boolean;
  /** Reading an object key (strings only). */
  isKey: boolean;
}

/** A string too large to buffer: its text so far, and the bytes not yet turned into text. */
interface BigString {
  text: string;
  parts: Buffer[];
  size: number;
  /** Bytes of an escape still to come (1 after "\", 4 after "\u"), so a piece never splits one. */
  escapeLeft: number;
  /** The byte after "\" decides how long the escape is. */
  afterBackslash: boolean;
}

/** One JSON document, pushed in pieces; `end()` returns its value. */
export class JsonStream {
  /** Bytes of the whole document while it may still be parsed in one go. */
  private whole: Buffer[] | null = [];
  private wholeSize = 0;
  private readonly stack: Container[] = [];
  private member: Member | null = null;
  private big: BigString | null = null;
  private root: { value: unknown } | null = null;
  private started = false;

  constructor(
    private readonly wholeBytes = WHOLE_BYTES,
    private readonly pieceBytes = PIECE_BYTES,
    private readonly onEntry?: EntryHook,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.whole) {
      this.whole.push(chunk);
      this.wholeSize += chunk.length;
      if (this.wholeSize <= this.wholeBytes) return;
      // Too large for one parse: from here on, member by member (its bytes so far first).
      const parts = this.whole;
      this.whole = null;
      this.wholeSize = 0;
      for (const p of parts) this.scan(p);
      return;
    }
    this.scan(chunk);
  }

  /** The document's value; throws JsonStreamError when it is not (exactly one) JSON value. */
  end(): unknown {
    if (this.whole) {
      const parts = this.whole;
      this.whole = null;
      if (parts.length === 1) return parseBytes(parts[0]!);
      if (parts.length === 0) return parseBytes(Buffer.from(" "));
      // Each piece becomes text on its own (a character split between two is kept for the next) and
      // JSON.parse joins them: no copy of the whole message as one buffer first.
      const decoder = new TextDecoder();
      let text = "";
      for (const p of parts) text += decoder.decode(p, { stream: true });
      return parseText(text + decoder.decode());
    }
    // A number at the very end has no byte after it to end it.
    if (this.member && this.member.type === "n") this.finishMember();
    if (this.member || this.big || this.stack.length > 0 || !this.root) throw new JsonStreamError("the text ended inside a value");
    return this.root.value;
  }

  // ---- the large form -----------------------------------------------------------------------------

  private scan(buf: Buffer): void {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (this.big) {
        i = this.scanBigString(buf, i);
        continue;
      }
      if (this.member) {
        i = this.scanMember(buf, i);
        continue;
      }
      const b = buf[i]!;
      if (isSpace(b)) {
        i++;
        continue;
      }
      const top = this.stack[this.stack.length - 1];
      if (!top) {
        if (this.started) throw new JsonStreamError("more than one value");
        this.started = true;
        this.startMember(buf, i, false);
        continue;
      }
      switch (top.want) {
        case Want.FirstValue:
          if (b === CLOSE_BRACKET) {
            i++;
            this.closeContainer();
            continue;
          }
          this.startMember(buf, i, false);
          continue;
        case Want.Value:
          this.startMember(buf, i, false);
          continue;
        case Want.FirstKey:
          if (b === CLOSE_BRACE) {
            i++;
            this.closeContainer();
            continue;
          }
          if (b !== QUOTE) throw new JsonStreamError("an object key was not a string");
          this.startMember(buf, i, true);
          continue;
        case Want.Key:
          if (b !== QUOTE) throw new JsonStreamError("an object key was not a string");
          this.startMember(buf, i, true);
          continue;
        case Want.Colon:
          if (b !== COLON) throw new JsonStreamError('a key was not followed by ":"');
          top.want = Want.Value;
          i++;
          continue;
        case Want.CommaOrEnd:
          i++;
          if (b === COMMA) top.want = top.array ? Want.Value : Want.Key;
          else if (b === (top.array ? CLOSE_BRACKET : CLOSE_BRACE)) this.closeContainer();
          else throw new JsonStreamError(`unexpected "${String.fromCharCode(b)}" after a member`);
          continue;
      }
    }
  }

  private startMember(buf: Buffer, i: number, isKey: boolean): void {
    const b = buf[i]!;
    const type = b === QUOTE ? "s" : b === OPEN_BRACE || b === OPEN_BRACKET ? "c" : "n";
    if (type === "n" && !(b === 45 || (b >= 48 && b <= 57) || b === 116 || b === 102 || b === 110)) {
      throw new JsonStreamError(`unexpected "${String.fromCharCode(b)}"`);
    }
    this.member = { parts: [], size: 0, type, depth: 0, inString: false, escaped: false, isKey };
  }

  /** Scan the member's bytes from `i`; returns where the scan stopped. */
  private scanMember(buf: Buffer, i: number): number {
    const m = this.member!;
    const start = i;
    // Never past one byte more than a member may have: then it is opened (descend) at once.
    const n = Math.min(buf.length, start + this.pieceBytes + 1 - m.size);
    let done = false;
    if (m.type === "n") {
      while (i < n) {
        const b = buf[i]!;
        if (b === COMMA || b === CLOSE_BRACKET || b === CLOSE_BRACE || isSpace(b)) {
          done = true;
          break;
        }
        i++;
      }
    } else {
      let { depth, inString, escaped } = m;
      while (i < n) {
        if (inString) {
          if (escaped) {
            escaped = false;
            i++;
            continue;
          }
          let b = buf[i]!;
          while (b !== QUOTE && b !== BACKSLASH && ++i < n) b = buf[i]!;
          if (i === n) break;
          i++;
          if (b === BACKSLASH) escaped = true;
          else {
            inString = false;
            if (depth === 0) {
              done = true;
              break;
            }
          }
          continue;
        }
        const b = buf[i++]!;
        if (b === QUOTE) inString = true;
        else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
        else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
          depth--;
          if (depth === 0) {
            done = true;
            break;
          }
        }
      }
      m.depth = depth;
      m.inString = inString;
      m.escaped = escaped;
    }
    if (i > start) {
      m.parts.push(buf.subarray(start, i));
      m.size += i - start;
    }
    if (done) {
      this.finishMember();
      return i;
    }
    if (m.size > this.pieceBytes) this.descend();
    return i;
  }

  /** A member is complete: parse its bytes and put the value where it belongs. */
  private finishMember(): void {
    const m = this.member!;
    this.member = null;
    const value = parseBytes(m.parts.length === 1 ? m.parts[0]! : Buffer.concat(m.parts, m.size));
    if (m.isKey) {
      const top = this.stack[this.stack.length - 1]!;
      top.key = value as string;
      top.want = Want.Colon;
      return;
    }
    this.place(value);
  }

  private place(value: unknown): void {
    const top = this.stack[this.stack.length - 1];
    if (!top) {
      this.root = { value };
      return;
    }
    if (this.onEntry && this.stack.length === 3 && top.array) {
      const list = top.at;
      if (this.stack[1]!.at === "snapshot" && typeof list === "string") value = this.onEntry(list, (top.value as unknown[]).length, value, top.value as unknown[]);
    }
    if (top.array) (top.value as unknown[]).push(value);
    else setOwn(top.value as Record<string, unknown>, top.key!, value);
    top.key = undefined;
    top.want = Want.CommaOrEnd;
  }

  /** The member being buffered grew past PIECE_BYTES: open it, and re-read its bytes so far. */
  private descend(): void {
    const m = this.member!;
    this.member = null;
    if (m.isKey) throw new JsonStreamError(`an object key was longer than ${this.pieceBytes} bytes`);
    if (m.type === "n") throw new JsonStreamError(`a number or literal was longer than ${this.pieceBytes} bytes`);
    const first = m.parts[0]!;
    const rest = [first.subarray(1), ...m.parts.slice(1)];
    if (m.type === "s") {
      this.big = { text: "", parts: [], size: 0, escapeLeft: 0, afterBackslash: false };
    } else {
      if (this.stack.length >= MAX_DEPTH) throw new JsonStreamError(`a value was nested deeper than ${MAX_DEPTH} levels`);
      const array = first[0] === OPEN_BRACKET;
      const parent = this.stack[this.stack.length - 1];
      const at = !parent ? null : parent.array ? (parent.value as unknown[]).length : parent.key!;
      this.stack.push({ array, value: array ? [] : {}, want: array ? Want.FirstValue : Want.FirstKey, key: undefined, at });
    }
    for (const p of rest) this.scan(p);
  }

  /**
   * Inside a large string: turn its bytes into text as they come (each chunk's worth, joined by V8
   * without copying); returns where the scan stopped. Plain ASCII (base64 values, most console text)
   * becomes text directly; escapes and UTF-8 go through JSON.parse, cut where no escape or character
   * is split.
   */
  private scanBigString(buf: Buffer, i: number): number {
    const s = this.big!;
    const n = buf.length;
    if (s.size === 0 && !s.afterBackslash && s.escapeLeft === 0) {
      let j = i;
      while (j < n) {
        const b = buf[j]!;
        if (b === QUOTE || b === BACKSLASH || b < 32 || b > 127) break;
        j++;
      }
      if (j > i) s.text += buf.toString("latin1", i, j);
      if (j === n) return n;
      if (buf[j] === QUOTE) return this.endBigString(j);
      i = j;
    }
    const start = i;
    let { afterBackslash, escapeLeft } = s;
    let end = -1;
    let cut = -1; // the last place in this chunk where a piece may end
    for (; i < n; i++) {
      const b = buf[i]!;
      if (afterBackslash) {
        afterBackslash = false;
        escapeLeft = b === 117 /* u */ ? 4 : 0;
        continue;
      }
      if (escapeLeft > 0) {
        escapeLeft--;
        continue;
      }
      // Not inside an escape, and not before a UTF-8 continuation byte: a piece may end here.
      if ((b & 0xc0) !== 0x80) cut = i;
      if (b === BACKSLASH) afterBackslash = true;
      else if (b === QUOTE) {
        end = i;
        break;
      }
    }
    s.afterBackslash = afterBackslash;
    s.escapeLeft = escapeLeft;
    if (end >= 0) {
      this.takeBytes(buf.subarray(start, end));
      this.flushBig(s.size);
      return this.endBigString(end);
    }
    this.takeBytes(buf.subarray(start, n));
    // After an ASCII byte outside an escape the chunk's end is a place to cut too (nothing can follow
    // it that belongs to it), so the next chunk starts on the fast path again.
    if (!afterBackslash && escapeLeft === 0 && n > start && buf[n - 1]! < 0x80) cut = n;
    // Everything before `cut` becomes text now; the rest (an escape or a character cut in two) waits.
    if (cut >= start) this.flushBig(s.size - (n - cut));
    else if (s.size > this.pieceBytes) throw new JsonStreamError(`a string had ${this.pieceBytes} bytes without a whole character (not UTF-8)`);
    return n;
  }

  private endBigString(quoteAt: number): number {
    const text = this.big!.text;
    // Made one flat string now, while its pieces are young and die cheaply, rather than later by
    // whatever reads it first (the validator's base64 check), when all of them have been kept alive.
    FLATTEN.test(text);
    this.big = null;
    this.place(text);
    return quoteAt + 1;
  }

  private takeBytes(b: Buffer): void {
    if (b.length === 0) return;
    const s = this.big!;
    s.parts.push(b);
    s.size += b.length;
  }

  /** Turn the first `count` buffered bytes of the large string into text. */
  private flushBig(count: number): void {
    const s = this.big!;
    if (count <= 0) return;
    // The piece is the inside of a JSON string: JSON.parse checks and unescapes it.
    const quoted = Buffer.allocUnsafe(count + 2);
    quoted[0] = QUOTE;
    let o = 1;
    const rest: Buffer[] = [];
    for (const p of s.parts) {
      const take = Math.min(p.length, count + 1 - o);
      if (take > 0) p.copy(quoted, o, 0, take);
      o += take;
      if (take < p.length) rest.push(Buffer.from(p.subarray(take)));
    }
    quoted[count + 1] = QUOTE;
    s.text += parseBytes(quoted) as string;
    s.parts = rest;
    s.size -= count;
  }

  private closeContainer(): void {
    const top = this.stack.pop()!;
    this.place(top.value);
  }
}

/** Matching it makes V8 flatten a string (a regex runs on flat text); it looks at no character. */
const FLATTEN = /^/;

function parseBytes(bytes: Buffer): unknown {
  return parseText(bytes.toString("utf8"));
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new JsonStreamError(e instanceof Error ? e.message : String(e));
  }
}

/** obj[key] = value as JSON.parse does it: "__proto__" is an own property, not the prototype. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}
