// Which call made each grad_fn node (snapshot.scopes, NodeInfo.scope), for folding:
//   - module calls: the engine says when one begins and ends (observer.moduleEnter/moduleExit);
//   - calls of the snippet's own functions: the transpiler's markers keep a stack inside the
//     snippet's context (context-calls.ts), read here when a node is recorded.
// The two stacks interleave (a helper function calls a model; a forward() calls a helper): each
// module call remembers how many function calls were running when it began. A call enters the
// snapshot's list only when a node is recorded inside it, so calls that made nothing cost nothing;
// a function call's line and column (where it was called) are found then, from the stack of that
// node.
import type { ScopeInfo, SourceRange } from "../shared/protocol";
import type { CallFrames } from "./context-calls";
import type { FunctionSite } from "./transpile-calls";

/** Calls kept; nodes of later calls carry no scope (the view then does not fold them by call). */
export const MAX_SCOPES = 20_000;

interface ModuleFrame {
  name: string;
  type: string;
  params: string[];
  /** Function calls running when it began. */
  fnDepth: number;
  /** Its index in the list, once a node was made inside it. */
  index?: number;
}

/** A function call entered into the list: the call it is (serial) and its index. */
interface FunctionEntry {
  serial: number;
  index: number | undefined;
}

/** Positions as one comparable number. */
const key = (line: number, column: number) => line * 1e7 + Math.min(column, 1e7 - 1);

/** The functions of the snippet by where they are written: the innermost one around a position. */
class SiteIndex {
  private readonly order: number[];
  private readonly starts: number[];
  private readonly ends: number[];
  /** The innermost function around each (in `order`'s positions), or -1. */
  private readonly outer: number[];

  constructor(private readonly sites: readonly FunctionSite[]) {
    this.order = sites.map((_, i) => i).sort((a, b) => this.start(a) - this.start(b) || this.end(b) - this.end(a));
    this.starts = this.order.map((i) => this.start(i));
    this.ends = this.order.map((i) => this.end(i));
    this.outer = [];
    const open: number[] = [];
    for (let j = 0; j < this.order.length; j++) {
      while (open.length && this.ends[open[open.length - 1]!]! < this.starts[j]!) open.pop();
      this.outer.push(open.length ? open[open.length - 1]! : -1);
      open.push(j);
    }
  }

  private start(i: number): number {
    const r = this.sites[i]!.range;
    return key(r.line, r.column);
  }

  private end(i: number): number {
    const r = this.sites[i]!.range;
    return key(r.endLine, r.endColumn);
  }

  /** The site index of the innermost function written around a position, or -1. */
  innermost(at: SourceRange): number {
    const k = key(at.line, at.column);
    let lo = 0;
    let hi = this.starts.length - 1;
    let j = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= k) {
        j = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    for (let guard = 0; j >= 0 && guard < 10_000; guard++, j = this.outer[j]!) if (this.ends[j]! >= k) return this.order[j]!;
    return -1;
  }
}

export class CallScopes {
  private readonly stack: ModuleFrame[] = [];
  private readonly list: ScopeInfo[] = [];
  private frames: CallFrames | null = null;
  private sites: readonly FunctionSite[] = [];
  private siteIndex: SiteIndex | null = null;
  /** The function calls entered into the list, by depth. */
  private readonly entered: FunctionEntry[] = [];

  /** The snippet's function calls (its context's stack) and the functions they name. */
  useFunctions(frames: CallFrames, sites: readonly FunctionSite[]): void {
    this.frames = frames;
    this.sites = sites;
  }

  enter(info: { name: string; type: string; parameters: ReadonlyArray<{ id: number }> }): void {
    // Engine objects from the snippet's realm: read defensively.
    const name = typeof info.name === "string" ? info.name.slice(0, 200) : "";
    const type = typeof info.type === "string" ? info.type.slice(0, 200) : "Module";
    const params = Array.isArray(info.parameters) ? info.parameters.slice(0, 64).map((p) => `t${p.id}`) : [];
    this.stack.push({ name, type, params, fnDepth: this.functionDepth() });
  }

  exit(): void {
    this.stack.pop();
  }

  private functionDepth(): number {
    if (!this.frames) return 0;
    const d = this.frames.depth();
    return typeof d === "number" && d > 0 ? Math.min(d, this.frames.ids.length) : 0;
  }

  /**
   * The innermost call running now, entered into the list (with its parents) on first use.
   * `userFrames` gives the stack of the node being recorded (innermost first, in the user's text),
   * asked for only when a function call is new.
   */
  current(userFrames?: () => SourceRange[]): number | undefined {
    const depth = this.functionDepth();
    const frames = this.frames;
    let parent: number | undefined;
    let lines: Array<SourceRange | undefined> | undefined;
    let m = 0;
    const enterModule = (f: ModuleFrame): boolean => {
      if (f.index === undefined) {
        if (this.list.length >= MAX_SCOPES) return false;
        f.index = this.list.length;
        this.list.push({ kind: "module", name: f.name, type: f.type, ...(parent !== undefined ? { parent } : {}), ...(f.params.length ? { params: f.params } : {}) });
      }
      parent = f.index;
      return true;
    };
    for (let d = 0; d < depth && frames; d++) {
      while (m < this.stack.length && this.stack[m]!.fnDepth <= d) if (!enterModule(this.stack[m++]!)) return undefined;
      const site = frames.ids[d]!;
      const serial = frames.serials[d]!;
      if (typeof site !== "number" || !this.sites[site]?.marked) continue;
      let e = this.entered[d];
      if (!e || e.serial !== serial) {
        if (this.list.length >= MAX_SCOPES) return undefined;
        lines ??= this.callLines(depth, userFrames?.() ?? []);
        const at = lines[d];
        e = { serial, index: this.list.length };
        this.entered[d] = e;
        this.list.push({
          kind: "function",
          name: this.sites[site]!.name.slice(0, 200),
          type: "function",
          ...(at !== undefined ? { line: at.line, column: at.column } : {}),
          ...(parent !== undefined ? { parent } : {}),
        });
      }
      parent = e.index;
    }
    while (m < this.stack.length) if (!enterModule(this.stack[m++]!)) return undefined;
    return parent;
  }

  /**
   * Where each running function call was called from (line and column): the stack's frame after
   * the call's own frame (the innermost frame written inside that function), matched innermost
   * call first.
   */
  private callLines(depth: number, user: SourceRange[]): Array<SourceRange | undefined> {
    const frames = this.frames!;
    const index = (this.siteIndex ??= new SiteIndex(this.sites));
    const inner = user.map((r) => index.innermost(r));
    const lines: Array<SourceRange | undefined> = [];
    let j = 0;
    for (let d = depth - 1; d >= 0; d--) {
      const site = frames.ids[d]!;
      if (site < 0) continue;
      let k = j;
      while (k < inner.length && inner[k] !== site) k++;
      if (k >= inner.length) continue;
      const at = user[k + 1];
      if (at) lines[d] = { line: at.line, column: at.column };
      j = k + 1;
    }
    return lines;
  }

  /** The list for the snapshot (undefined when no call made a node). */
  scopes(): ScopeInfo[] | undefined {
    return this.list.length ? this.list : undefined;
  }
}
