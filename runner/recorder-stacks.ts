// Source positions for the recorder: V8 stack traces of the snippet's script mapped back to the
// user's text (the transpiler's position map), for every recorded op, console line, warning and error.
import type { SourceRange } from "../shared/protocol";
import type { PreparedScript } from "./transpile";

export class StackMapper {
  constructor(
    private readonly fileName: string,
    private readonly script: PreparedScript | undefined,
  ) {}

  private frames(stack: string | undefined): Array<{ line: number; column: number; fn: string }> {
    if (typeof stack !== "string" || !stack) return []; // a snippet's Error.prepareStackTrace may make it anything
    const file = this.fileName;
    // The transpiler's wrapper adds one line after the user's text (`})()`): its frames are ours.
    // V8 counts every ECMAScript line terminator (\r alone, U+2028 too), so must this.
    const userLines = this.script ? this.script.code.split(/\r\n|[\n\r\u2028\u2029]/).length - 1 : Infinity;
    const out: Array<{ line: number; column: number; fn: string }> = [];
    for (const raw of stack.split("\n")) {
      const s = raw.trim();
      if (!s.startsWith("at ")) continue;
      const m = /^at (?:(.*?) \()?(.*):(\d+):(\d+)\)?$/.exec(s);
      if (!m || m[2] !== file || Number(m[3]) > userLines) continue;
      out.push({ fn: m[1] ?? "", line: Number(m[3]), column: Number(m[4]) });
    }
    return out;
  }

  private toSource(line: number, column: number): SourceRange {
    return this.script ? this.script.toSource(line, column) : { line, column };
  }

  /** The first frame of the user's script in a stack, in the user's text. */
  locate(stack: string | undefined): SourceRange | undefined {
    const f = this.frames(stack)[0];
    return f ? this.toSource(f.line, f.column) : undefined;
  }

  /** Every frame of the user's script in a stack, innermost first, in the user's text. */
  userFrames(stack: string | undefined): SourceRange[] {
    return this.frames(stack).map((f) => this.toSource(f.line, f.column));
  }

  /** The stack in the user's terms: its first line, then only the snippet's frames, mapped. */
  userStack(stack: string | undefined): string {
    if (typeof stack !== "string" || !stack) return "";
    const head = stack.split("\n").find((l) => !l.trim().startsWith("at ")) ?? "";
    const frames = this.frames(stack).map((f) => {
      const r = this.toSource(f.line, f.column);
      const where = `${this.fileName}:${r.line}:${r.column}`;
      const fn = f.fn.replace(/^async /, "");
      return fn && !fn.startsWith("<anonymous>") && fn !== "Object.<anonymous>" ? `    at ${fn} (${where})` : `    at ${where}`;
    });
    return [head, ...frames].join("\n");
  }
}
