// Where a user-defined torch.autograd.Function's static forward and backward are written, for the
// graph's user-defined nodes ("user-defined: backward at line 9"). The engine's node carries the class
// and the two functions; their source text (Function.prototype.toString of this realm, which the
// snippet cannot replace) is found in the prepared script, whose lines are the user's lines.
import type { SourceRange } from "../shared/protocol";
import { lineStarts, floorIndex } from "./lines";
import type { PreparedScript } from "./transpile";

const fnToString = Function.prototype.toString;

function sourceOf(fn: unknown): string | null {
  if (typeof fn !== "function") return null;
  try {
    const s = fnToString.call(fn);
    return s.includes("[native code]") ? null : s;
  } catch {
    return null; // a revoked Proxy, …
  }
}

export class UserFunctionLocator {
  private starts: number[] | null = null;
  private readonly cache = new Map<unknown, SourceRange | null>();

  constructor(private readonly script: PreparedScript | undefined) {}

  /** Where `method` is written, searched first inside `cls`'s text (two classes may share a method's text). */
  locate(cls: unknown, method: unknown): SourceRange | undefined {
    if (!this.script) return undefined;
    if (this.cache.has(method)) return this.cache.get(method) ?? undefined;
    const code = this.script.code;
    const text = sourceOf(method);
    let at = -1;
    if (text !== null) {
      const clsText = sourceOf(cls);
      const clsAt = clsText !== null ? code.indexOf(clsText) : -1;
      if (clsAt >= 0) {
        const inner = clsText!.indexOf(text);
        if (inner >= 0) at = clsAt + inner;
      }
      if (at < 0) at = code.indexOf(text);
    }
    let range: SourceRange | null = null;
    if (at >= 0) {
      const starts = (this.starts ??= lineStarts(code));
      const i = floorIndex(starts, at);
      range = this.script.toSource(i + 1, at - starts[i]! + 1);
    }
    this.cache.set(method, range);
    return range ?? undefined;
  }
}
