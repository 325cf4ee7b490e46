// Call markers for the transpiler (runner/transpile.ts): every call of a function the snippet defines
// (a declaration, a named function expression, an arrow bound to a name, a method) tells the runtime
// when it begins and ends, so the ops it makes fold into one box per call ("layer() @ L12"):
//
//   function layer(x) { return x.tanh(); }
//     → function layer(x) {const __lensF=__lensE(3);try{ return x.tanh(); }finally{__lensX(__lensF)}}
//   const f = (x) => x.tanh();
//     → const f = (x) => {const __lensF=__lensE(4);try{return ( x.tanh())}finally{__lensX(__lensF)}};
//
// (__lensE and __lensX are __lens.enter and __lens.exit, read once at the program's start.)
//
// Insertions only, on the function's own lines, so every line and column of the user's text stays.
// Not marked: anonymous callbacks, async functions and generators (their frames outlive a
// synchronous enter/exit), constructors, getters and setters. Methods pass `this`, so the runtime
// skips the forward() of an nn.Module (module calls fold by themselves, snapshot.scopes).
// Every function (marked or not) is listed with its range: the recorder finds a call's line by
// matching stack frames to the innermost function around them (runner/module-scopes.ts).
import type { SourceRange } from "../shared/protocol";
import { child, flag, isNode, propertyKey, stripTypeWrappers, type AstNode } from "./transpile-ast";
import { SKIP_KEYS, TYPE_KEYS } from "./transpile-base";
import { TypeBlanking } from "./transpile-types";

/** A function written in the snippet. Its index is the id `__lens.enter(id)` passes when marked. */
export interface FunctionSite {
  /** "layer", "Block.apply", "" for an anonymous function. */
  name: string;
  /** Where it is written (the whole function, in the user's text). */
  range: Required<SourceRange>;
  /** Its calls report enter/exit. */
  marked: boolean;
}

/**
 * The markers, read once from `__lens` at the start of the program (CALL_PRELUDE): a global read in
 * the snippet's vm context goes through the context's interceptors, which would double a small
 * helper's call time.
 */
export const CALL_ENTER = "__lensE";
export const CALL_EXIT = "__lensX";
export const CALL_PRELUDE = `const ${CALL_ENTER} = __lens.enter, ${CALL_EXIT} = __lens.exit; `;

/** Functions listed (and so marked) at most: past it, a generated snippet's functions are left as they are. */
export const MAX_FUNCTION_SITES = 20_000;

const FUNCTION_TYPES = new Set(["FunctionDeclaration", "FunctionExpression", "ArrowFunctionExpression"]);

interface SitePlan {
  index: number;
  /** A class method: `this` goes to enter(), which skips module instances. */
  method: boolean;
}

export abstract class CallMarking extends TypeBlanking {
  readonly functions: FunctionSite[] = [];
  /** Some function is marked: the program starts with CALL_PRELUDE. */
  get marksCalls(): boolean {
    return this.plans.size > 0;
  }
  private readonly plans = new Map<AstNode, SitePlan>();
  /** Class methods (their calls pass `this`), and constructors, getters and setters (not marked). */
  private readonly methods = new Set<AstNode>();
  private readonly unmarked = new Set<AstNode>();

  /** The pre-pass: name every function from where it is written, list them all. */
  protected collectFunctions(program: AstNode): void {
    this.walk(program, undefined, undefined, 0);
  }

  private walk(n: AstNode, hint: string | undefined, className: string | undefined, depth: number): void {
    if (depth > 500) return; // the dispatch refuses nothing for depth; a name is a nicety
    if (FUNCTION_TYPES.has(n.type)) this.site(n, hint);
    let cls = className;
    if (n.type === "ClassDeclaration" || n.type === "ClassExpression") {
      const id = child(n, "id");
      cls = id ? String(id.name) : hint;
    }
    const nameOf = (target: AstNode | null): string | undefined => {
      if (!target) return undefined;
      const t = stripTypeWrappers(target);
      return t.type === "Identifier" || t.type === "MemberExpression" ? this.targetName(t) : undefined;
    };
    const named = (value: AstNode | null): AstNode | null => (value ? stripTypeWrappers(value) : null);
    const hints = new Map<AstNode, string | undefined>();
    switch (n.type) {
      case "VariableDeclarator":
      case "AssignmentPattern": {
        const v = named(child(n, n.type === "VariableDeclarator" ? "init" : "right"));
        if (v) hints.set(v, nameOf(child(n, n.type === "VariableDeclarator" ? "id" : "left")));
        break;
      }
      case "AssignmentExpression": {
        const v = named(child(n, "right"));
        if (v && n.operator === "=") hints.set(v, nameOf(child(n, "left")));
        break;
      }
      case "Property":
      case "PropertyDefinition":
      case "MethodDefinition": {
        const v = named(child(n, "value"));
        const key = flag(n, "computed") && child(n, "key")?.type !== "Literal" ? null : propertyKey(n);
        if (!v) break;
        if (n.type === "MethodDefinition") {
          // Constructors, getters and setters are not marked.
          if (n.kind === "method") this.methods.add(v);
          else this.unmarked.add(v);
        }
        if (key !== null) hints.set(v, n.type === "Property" || !cls ? key : `${cls}.${key}`);
        break;
      }
    }
    for (const key of Object.keys(n)) {
      if (SKIP_KEYS.has(key) || TYPE_KEYS.has(key)) continue;
      const v = n[key];
      if (isNode(v)) this.walk(v, hints.get(v), cls, depth + 1);
      else if (Array.isArray(v)) for (const x of v) if (isNode(x)) this.walk(x, hints.get(x), cls, depth + 1);
    }
  }

  private site(n: AstNode, hint: string | undefined): void {
    if (this.functions.length >= MAX_FUNCTION_SITES) return;
    const id = child(n, "id");
    const name = id ? String(id.name) : (hint ?? "");
    const body = child(n, "body");
    const marked = !this.unmarked.has(n) && name !== "" && !flag(n, "async") && !flag(n, "generator") && body !== null;
    const index = this.functions.length;
    this.functions.push({ name, range: this.range(n.start, n.end) as Required<SourceRange>, marked });
    if (marked) this.plans.set(n, { index, method: this.methods.has(n) });
  }

  /** Marks a function's body (before its own edits), visits it, closes the marks. */
  protected override visitFunction(n: AstNode): void {
    const plan = this.plans.get(n);
    const body = child(n, "body");
    if (!plan || !body) return super.visitFunction(n);
    const enter = `const __lensF=${CALL_ENTER}(${plan.index}${plan.method ? ",this" : ""});try{`;
    const exit = `}finally{${CALL_EXIT}(__lensF)}`;
    if (body.type === "BlockStatement") {
      this.ed.insert(body.start + 1, enter);
      super.visitFunction(n);
      this.ed.insert(body.end - 1, exit);
      return;
    }
    // An expression body: `=> EXPR` becomes `=> {…try{return (EXPR)}finally{…}}`, around the
    // parentheses the expression is written in (`=> ({ a: 1 })`).
    const arrow = this.arrowAt(n, body);
    if (arrow < 0) return super.visitFunction(n);
    let p = this.skip(arrow + 2);
    let parens = 0;
    while (p < body.start && this.src[p] === "(") {
      parens++;
      p = this.skip(p + 1);
    }
    let end = body.end;
    for (let i = 0; i < parens; i++) {
      const q = this.skip(end);
      if (this.src[q] !== ")") return super.visitFunction(n);
      end = q + 1;
    }
    this.ed.insert(arrow + 2, `{${enter}return (`);
    super.visitFunction(n);
    this.ed.insert(end, `)${exit}}`);
  }

  /** The offset of an arrow function's `=>`, or -1 when it is not where expected. */
  private arrowAt(n: AstNode, body: AstNode): number {
    const params = (n["params"] as Array<AstNode | null> | undefined) ?? [];
    const last = params.length ? params[params.length - 1] : null;
    const returnType = child(n, "returnType");
    const typeParameters = child(n, "typeParameters");
    const from = returnType ? returnType.end : last ? last.end : typeParameters ? typeParameters.end : n.start;
    const p = this.skipOver(from, "(),");
    return p < body.start && this.src.startsWith("=>", p) ? p : -1;
  }
}
