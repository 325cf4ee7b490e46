// The snippet's structuredClone, TextEncoder and TextDecoder (UTF-8 only), made INSIDE its vm
// context (evaluated there through its source text, as contextBootstrap is): nothing outside the
// function's own body may be referred to, and everything it makes belongs to the context's realm.

export interface ContextText {
  structuredClone(value: unknown): unknown;
  TextEncoder: new () => { encode(input?: unknown): Uint8Array };
  TextDecoder: new (label?: unknown, options?: { fatal?: boolean }) => { decode(input?: unknown): string };
}

export function contextText(): ContextText {
  "use strict";
  const NativeError = Error;
  const NativeTypeError = TypeError;
  const NativeRangeError = RangeError;
  const NativeUint8Array = Uint8Array;
  const NativeMap = Map;
  const NativeSet = Set;
  const NativeDate = Date;
  const NativeRegExp = RegExp;
  const NativeArrayBuffer = ArrayBuffer;
  const NativeDataView = DataView;
  const isView = ArrayBuffer.isView;
  const isArray = Array.isArray;
  const fromCodePoint = String.fromCodePoint;
  const safeString = (v: unknown): string => {
    try {
      return typeof v === "string" ? v : String(v);
    } catch {
      return "[object]";
    }
  };

  // ---- structuredClone -----------------------------------------------------------------------------
  const cloneError = (what: string): Error => {
    const e = new NativeError(`${what} could not be cloned.`);
    e.name = "DataCloneError";
    return e;
  };
  const structuredCloneImpl = (value: unknown): unknown => {
    const seen = new NativeMap<object, unknown>();
    const clone = (v: unknown): unknown => {
      if (typeof v === "function") throw cloneError(safeString(v).slice(0, 60));
      if (typeof v === "symbol") throw cloneError(safeString(v));
      if (v === null || typeof v !== "object") return v;
      if (seen.has(v)) return seen.get(v);
      let out: unknown;
      if (isArray(v)) {
        const a: unknown[] = new Array(v.length);
        seen.set(v, a);
        for (let i = 0; i < v.length; i++) if (i in v) a[i] = clone(v[i]);
        return a;
      }
      if (v instanceof NativeDate) out = new NativeDate(v.getTime());
      else if (v instanceof NativeRegExp) out = new NativeRegExp(v.source, v.flags);
      else if (v instanceof NativeArrayBuffer) out = v.slice(0);
      else if (isView(v)) {
        const buffer = clone(v.buffer) as ArrayBuffer;
        const C = v.constructor as new (b: ArrayBuffer, o: number, l: number) => unknown;
        const length = v instanceof NativeDataView ? v.byteLength : (v as unknown as { length: number }).length;
        out = new C(buffer, v.byteOffset, length);
      } else if (v instanceof NativeMap) {
        const m = new NativeMap<unknown, unknown>();
        seen.set(v, m);
        for (const [k, x] of v) m.set(clone(k), clone(x));
        return m;
      } else if (v instanceof NativeSet) {
        const s = new NativeSet<unknown>();
        seen.set(v, s);
        for (const x of v) s.add(clone(x));
        return s;
      } else if (v instanceof NativeError) {
        const e = new NativeError(v.message);
        e.name = v.name;
        if (v.stack !== undefined) e.stack = v.stack;
        out = e;
      } else if (v instanceof Boolean || v instanceof Number || v instanceof String) {
        out = Object(v.valueOf());
      } else {
        const o: Record<string, unknown> = {};
        seen.set(v, o);
        for (const key of Object.keys(v)) o[key] = clone((v as Record<string, unknown>)[key]);
        return o;
      }
      seen.set(v, out);
      return out;
    };
    return clone(value);
  };

  // ---- TextEncoder / TextDecoder (UTF-8 only) ---------------------------------------------------------
  class TextEncoderImpl {
    get encoding(): string {
      return "utf-8";
    }
    encode(input: unknown = ""): Uint8Array {
      const s = safeString(input);
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) {
            c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
            i++;
          } else c = 0xfffd;
        } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
        if (c < 0x80) out.push(c);
        else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      }
      return new NativeUint8Array(out);
    }
  }
  class TextDecoderImpl {
    private readonly fatal: boolean;
    constructor(label: unknown = "utf-8", options?: { fatal?: boolean }) {
      const l = safeString(label).trim().toLowerCase();
      if (l !== "utf-8" && l !== "utf8" && l !== "unicode-1-1-utf-8") {
        throw new NativeRangeError(`The "${safeString(label)}" encoding is not supported (only utf-8 in a snippet).`);
      }
      this.fatal = !!options?.fatal;
    }
    get encoding(): string {
      return "utf-8";
    }
    decode(input?: unknown): string {
      if (input === undefined) return "";
      let bytes: Uint8Array;
      if (input instanceof NativeArrayBuffer) bytes = new NativeUint8Array(input);
      else if (isView(input)) bytes = new NativeUint8Array(input.buffer as ArrayBuffer, input.byteOffset, input.byteLength);
      else throw new NativeTypeError('The "input" argument must be an ArrayBuffer or ArrayBufferView.');
      let s = "";
      let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
      const bad = (): number => {
        if (this.fatal) throw new NativeTypeError("The encoded data was not valid for encoding utf-8");
        return 0xfffd;
      };
      while (i < bytes.length) {
        const b = bytes[i]!;
        let c: number;
        let n = 0;
        if (b < 0x80) c = b;
        else if (b >= 0xc2 && b < 0xe0) {
          c = b & 31;
          n = 1;
        } else if (b >= 0xe0 && b < 0xf0) {
          c = b & 15;
          n = 2;
        } else if (b >= 0xf0 && b < 0xf5) {
          c = b & 7;
          n = 3;
        } else c = -1;
        i++;
        for (let k = 0; k < n && c >= 0; k++) {
          const x = bytes[i];
          if (x === undefined || (x & 0xc0) !== 0x80) c = -1;
          else {
            c = (c << 6) | (x & 63);
            i++;
          }
        }
        if (c < 0 || (n === 2 && c < 0x800) || (n === 3 && (c < 0x10000 || c > 0x10ffff)) || (c >= 0xd800 && c <= 0xdfff)) c = bad();
        s += fromCodePoint(c);
      }
      return s;
    }
  }

  return { structuredClone: structuredCloneImpl, TextEncoder: TextEncoderImpl, TextDecoder: TextDecoderImpl };
}
