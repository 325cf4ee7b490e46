// Source positions for the recorder: V8 stack traces of the snippet's script mapped back to the
// user's text (the transpiler's position map), for every recorded op, console line, warning and error.
import type { SourceRange } from "../shared/protocol";
import type { PreparedScript } from "./transpile";

/** A position in the script as it runs (before mapping back to the user's text). */
export interface ScriptFrame {
  line: number;
  column: number;
}

/** Hands V8's call sites over as they are, without formatting them as text (host realm only). */
const rawSites = (_error: Error, sites: NodeJS.CallSite[]): NodeJS.CallSite[] => sites;

export class StackMapper {
  /** Lines of the user's text in the script; the transpiler's wrapper adds one after it (`})()`): its frames are ours. */
  private readonly userLines: number;

  constructor(
    private readonly fileName: string,
    private readonly script: PreparedScript | undefined,
  ) {
    // V8 counts every ECMAScript line terminator (\r alone, U+2028 too), so must this.
    this.userLines = script ? script.code.split(/\r\n|[\n\r\u2028\u2029]/).length - 1 : Infinity;
  }

  /**
   * The user's script's frames of the current stack, innermost first, read from V8's call sites: the
   * recorder asks for every op and tensor, and formatting 60 frames as text each time (what `new
   * Error().stack` does) was most of its cost. The same frames as `locate(new Error().stack)` reads.
   * The call sites are of this (the host's) realm and never leave this function.
   */
  captureFrames(): ScriptFrame[] {
    const holder: { stack?: unknown } = {};
    const previous = Error.prepareStackTrace;
    Error.prepareStackTrace = rawSites;
    try {
      Error.captureStackTrace(holder);
      const sites = holder.stack; // formatted (by rawSites) on this first read
      return Array.isArray(sites) ? this.scriptFrames(sites as NodeJS.CallSite[]) : [];
    } catch {
      return [];
    } finally {
      Error.prepareStackTrace = previous;
    }
  }

  private scriptFrames(sites: NodeJS.CallSite[]): ScriptFrame[] {
    const out: ScriptFrame[] = [];
    for (const site of sites) {
      // Eval'd code's frames are not the script's (their text form names the eval, not the file).
      if (site.getFileName() !== this.fileName || site.isEval()) continue;
      const line = site.getLineNumber();
      const column = site.getColumnNumber();
      if (line === null || column === null || line > this.userLines) continue;
      out.push({ line, column });
    }
    return out;
  }

  /** The first of `frames` (captureFrames), in the user's text. */
  locateFrames(frames: readonly ScriptFrame[]): SourceRange | undefined {
    const f = frames[0];
    return f ? this.toSource(f.line, f.column) : undefined;
  }

  /** All of `frames` (captureFrames), in the user's text. */
  mapFrames(frames: readonly ScriptFrame[]): SourceRange[] {
    return frames.map((f) => this.toSource(f.line, f.column));
  }

  private frames(stack: string | undefined): Array<{ line: number; column: number; fn: string }> {
    if (typeof stack !== "string" || !stack) return []; // a snippet's Error.prepareStackTrace may make it anything
    const file = this.fileName;
    const userLines = this.userLines;
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
