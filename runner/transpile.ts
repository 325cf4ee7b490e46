// Turns the user's TypeScript/JavaScript snippet into JavaScript the runner can evaluate, without a
// compiler: parse with acorn (+ @sveltejs/acorn-typescript for TypeScript), then edit the original
// text in place. Every edit keeps lines where they are:
//   - TypeScript-only syntax is blanked (replaced by spaces, newlines kept; the ts-blank-space
//     approach), so every remaining character keeps its line and column;
//   - `import ... from "autograd-lens"` becomes `const ... = __lens.require(...)`;
//   - initialisers and assigned values are wrapped in `__lens.bind(value, "name", line, column)` /
//     `__lens.bindPattern(value, descriptor, line, column)` so the graph can name tensors;
//   - every loop body starts with `__lens.tick(K);` (timeouts);
//   - the body of every named function is wrapped in `__lens.enter(K)` / `__lens.exit` markers
//     (folding by call, transpile-calls.ts);
//   - the whole program runs in `(async () => { "use strict"; ... \n})()`.
// Insertions never contain a newline; each one is recorded so generated positions map back.
// Constructs that would need real code generation (enum, runtime namespace, parameter properties,
// decorators, `import x = require()`, `export =`) are refused with a RunError of kind "unsupported".

import { Parser } from "acorn";
import type { RunError, SourceRange } from "../shared/protocol";
import { editorLineStarts, editorPosition, isLineTerminator, lineStarts } from "./lines";
import { child, collectPatternNames, flag, isNode, isTypeOnly, nodes, parse, text, type AstNode } from "./transpile-ast";
import { LOOP_KEYWORD, Refusal, SKIP_KEYS, TYPE_KEYS } from "./transpile-base";
import { CALL_PRELUDE, CallMarking, type FunctionSite } from "./transpile-calls";

export interface PreparedScript {
  /** JavaScript to run (one expression statement: the async IIFE); evaluate it, get a Promise. */
  code: string;
  /** Generated (1-based line, 1-based column) → the user's text (1-based). Lines are identical. */
  toSource(line: number, column: number): SourceRange;
  /** loops[K] is the loop whose body calls __lens.tick(K). */
  loops: SourceRange[];
  /** Variable names declared at top level, in order (for tooling). */
  topLevelNames: string[];
  /** The functions it defines; `__lens.enter(K)` names functions[K] (transpile-calls.ts). */
  functions: FunctionSite[];
}

/** A name a destructuring pattern binds: an identifier, or an assignment target like `obj.w`. */
export interface PatternTarget {
  name: string;
  /** Where the target is written in the user's text (1-based). */
  line: number;
  column: number;
  /** The pattern gives a default (`a = expr`); the snippet binds the default value itself. */
  default?: true;
}
/** `[a, , ...rest]`: one entry per element, null for a hole. */
export interface PatternArray {
  array: Array<PatternDescriptor | PatternRest | null>;
  default?: true;
}
/** `{ values: v, indices, ...rest }`: key is null when computed (`[k]: v`) and not a literal. */
export interface PatternObject {
  object: Array<PatternProperty | PatternRest>;
  default?: true;
}
export interface PatternProperty {
  key: string | null;
  target: PatternDescriptor;
}
export interface PatternRest {
  rest: PatternDescriptor;
}
/**
 * How `__lens.bindPattern(value, descriptor, line, column)` walks the value: an array pattern binds
 * element i to array[i], an object pattern binds key to value[key], a rest the remainder.
 */
export type PatternDescriptor = PatternTarget | PatternArray | PatternObject;

export type PrepareResult = { ok: true; script: PreparedScript } | { ok: false; error: RunError };

/** The only module a snippet may import. */
export const LENS_MODULE = "autograd-lens";

const PREFIX = '(async () => { "use strict"; ';
const SUFFIX = "\n})()";

// ---------------------------------------------------------------------------------------------
// The transform: the dispatch over the syntax tree, imports and exports, and loop guards; name
// binding and type blanking are in transpile-names.ts and transpile-types.ts, their foundation in
// transpile-base.ts, the editor in transpile-editor.ts, the tree in transpile-ast.ts.

class Transpiler extends CallMarking {
  readonly loops: SourceRange[] = [];
  readonly topLevelNames: string[] = [];

  // --- program -----------------------------------------------------------------------------------

  run(program: AstNode): void {
    if (this.src.startsWith("#!")) {
      let e = 0;
      while (e < this.src.length && !isLineTerminator(this.src.charCodeAt(e))) e++;
      this.ed.blank(0, e);
    }
    this.collectFunctions(program);
    for (const st of nodes(program, "body")) {
      this.collectTopLevel(st);
      this.visit(st);
    }
  }

  private collectTopLevel(st: AstNode): void {
    const names = this.topLevelNames;
    let d: AstNode | null = st;
    if (st.type === "ExportNamedDeclaration" || st.type === "ExportDefaultDeclaration") d = child(st, "declaration");
    if (!d) return;
    if (d.type === "ImportDeclaration") {
      if (text(d, "importKind") === "type") return;
      for (const sp of nodes(d, "specifiers")) {
        if (text(sp, "importKind") === "type") continue;
        const local = child(sp, "local");
        if (local) names.push(String(local.name));
      }
    } else if (d.type === "VariableDeclaration" && !flag(d, "declare")) {
      for (const decl of nodes(d, "declarations")) collectPatternNames(child(decl, "id"), names);
    } else if ((d.type === "FunctionDeclaration" || d.type === "ClassDeclaration") && !flag(d, "declare")) {
      const id = child(d, "id");
      if (id) names.push(String(id.name));
    }
  }

  // --- dispatch ------------------------------------------------------------------------------------

  protected override visit(n: AstNode | null): void {
    if (!n) return;
    switch (n.type) {
      case "ImportDeclaration":
        return this.visitImport(n);
      case "ExportNamedDeclaration":
      case "ExportAllDeclaration":
        return this.visitExportNamed(n);
      case "ExportDefaultDeclaration":
        return this.visitExportDefault(n);
      case "VariableDeclaration":
        return this.visitVariables(n, true);
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        return this.visitFunction(n);
      case "ClassDeclaration":
      case "ClassExpression":
        return this.visitClass(n);
      case "Property":
        if (flag(n, "computed")) this.visit(child(n, "key"));
        return this.visit(child(n, "value"));
      case "AssignmentExpression":
        return this.visitAssignment(n);
      case "AssignmentPattern":
        return this.visitDefault(n);
      case "ForStatement":
      case "ForInStatement":
      case "ForOfStatement":
      case "WhileStatement":
      case "DoWhileStatement":
        return this.visitLoop(n);
      case "ThrowStatement": {
        // `throw "boom"` has no stack: the runtime remembers where the value was thrown.
        const arg = (n as { argument?: AstNode }).argument;
        if (arg) this.ed.insert(arg.start, "__lens.thrown((");
        this.visitChildren(n);
        if (arg) this.ed.insert(arg.end, `), ${this.pos(n.start)})`);
        return this.endStatement(n);
      }
      case "ExpressionStatement":
      case "ReturnStatement":
        this.visitChildren(n);
        return this.endStatement(n);
      case "ImportExpression":
        return this.refuse(
          "unsupported",
          `Dynamic import() is not supported in a snippet; write a static \`import { torch } from "${LENS_MODULE}"\` at the top instead.`,
          n,
        );
      case "MetaProperty":
        if (child(n, "meta")?.name === "import") {
          return this.refuse("unsupported", "import.meta is not available in a snippet (it does not run as a module file).", n);
        }
        return;
      case "Decorator":
        return this.refuseDecorator(n);
      case "TSAsExpression":
      case "TSSatisfiesExpression":
        return this.visitTypeOperator(n);
      case "TSNonNullExpression": {
        this.visit(child(n, "expression"));
        if (this.src[n.end - 1] === "!") this.ed.blank(n.end - 1, n.end);
        return;
      }
      case "TSTypeAssertion":
        return this.visitAngleAssertion(n);
      case "TSInstantiationExpression":
        this.visit(child(n, "expression"));
        return this.blankNode(child(n, "typeArguments"));
      case "TSInterfaceDeclaration":
      case "TSTypeAliasDeclaration":
      case "TSDeclareFunction":
      case "TSNamespaceExportDeclaration":
      case "TSIndexSignature":
        return this.blankStatement(n);
      case "TSEnumDeclaration":
        if (flag(n, "declare")) return this.blankStatement(n);
        return this.refuse(
          "unsupported",
          "enum is not supported in a snippet (it needs code generation); use a plain object instead, e.g. `const Color = { Red: 0, Green: 1 } as const;`.",
          n,
        );
      case "TSModuleDeclaration":
        if (isTypeOnly(n)) return this.blankStatement(n);
        return this.refuse(
          "unsupported",
          "A namespace with runtime code is not supported in a snippet (it needs code generation); use top-level declarations or a plain object instead.",
          n,
        );
      case "TSImportEqualsDeclaration":
        return this.refuse(
          "unsupported",
          `\`import x = require(...)\` (and \`import x = N.y\`) is not supported in a snippet; write \`import { torch } from "${LENS_MODULE}"\` instead.`,
          n,
        );
      case "TSExportAssignment":
        return this.refuse("unsupported", "`export =` is not supported in a snippet; a snippet exports nothing, remove it.", n);
      case "TSParameterProperty":
        return this.refuseParameterProperty(n);
      default:
        if (n.type.startsWith("TS")) {
          return this.refuse("unsupported", `This TypeScript syntax (${n.type}) is not supported in a snippet.`, n);
        }
        return this.visitChildren(n);
    }
  }

  /** Visit every child node; blank the type syntax hanging on ordinary nodes. */
  protected override visitChildren(n: AstNode): void {
    for (const key of Object.keys(n)) {
      if (SKIP_KEYS.has(key)) continue;
      const v = n[key];
      if (TYPE_KEYS.has(key)) {
        if (isNode(v)) this.ed.blank(v.start, v.end);
      } else if (key === "decorators") {
        const ds = nodes(n, key);
        if (ds.length) this.refuseDecorator(ds[0]);
      } else if (isNode(v)) {
        this.visit(v);
      } else if (Array.isArray(v)) {
        for (const x of v) if (isNode(x)) this.visit(x);
      }
    }
  }

  // --- imports and exports -------------------------------------------------------------------------

  private visitImport(n: AstNode): void {
    const source = child(n, "source");
    const specifiers = nodes(n, "specifiers");
    if (text(n, "importKind") === "type") return this.blankStatement(n);
    const values = specifiers.filter((sp) => text(sp, "importKind") !== "type");
    if (specifiers.length > 0 && values.length === 0) return this.blankStatement(n); // elided by tsc
    const spec = source && typeof source.value === "string" ? source.value : "";
    if (spec !== LENS_MODULE) {
      return this.refuse("import", `Only "${LENS_MODULE}" can be imported in a snippet; "${spec}" is not available here.`, n);
    }
    const src = this.src;
    const require = `__lens.require(${JSON.stringify(LENS_MODULE)}, ${this.pos(n.start)})`;
    // End of the clause `from "..." with {...}` (before the `;`).
    const stmtEnd = src[n.end - 1] === ";" ? n.end - 1 : n.end;
    if (specifiers.length === 0 && source) {
      // import "autograd-lens" (or `import {} from`)  →  ;      __lens.require("autograd-lens", L, C)
      this.ed.blank(n.start, source.start);
      this.ed.override(n.start, ";");
      this.ed.remove(source.start, stmtEnd);
      this.ed.insert(source.start, require);
      if (src[n.end - 1] !== ";") this.ed.insert(n.end, ";");
      return;
    }
    // `import` → `const ` (same length).
    for (let i = 0; i < 6; i++) this.ed.override(n.start + i, "const "[i]);
    for (const sp of specifiers) if (text(sp, "importKind") === "type") this.blankWithComma(sp);

    const def = values.find((sp) => sp.type === "ImportDefaultSpecifier");
    const ns = values.find((sp) => sp.type === "ImportNamespaceSpecifier");
    const named = values.filter((sp) => sp.type === "ImportSpecifier");
    const hasBraces = specifiers.some((sp) => sp.type === "ImportSpecifier");
    const lastSpecifier = specifiers[specifiers.length - 1];
    const groupsAfterDefault = ns !== undefined || hasBraces;
    if (def) {
      const local = child(def, "local");
      if (local) {
        this.ed.insert(local.start, "{ default: ");
        this.ed.insert(local.end, " }");
        if (groupsAfterDefault) this.ed.insert(local.end, ` = ${require}`);
      }
    }
    if (ns) {
      const local = child(ns, "local");
      if (local) this.ed.blank(ns.start, local.start); // `* as ns` → `     ns`
    }
    for (const sp of named) {
      const imported = child(sp, "imported");
      const local = child(sp, "local");
      if (!imported || !local || imported.start === local.start) continue;
      const as = this.skip(imported.end);
      if (src.startsWith("as", as)) {
        this.ed.override(as, ":");
        this.ed.override(as + 1, " ");
      }
    }
    // `from "autograd-lens"` → `= __lens.require(...)`.
    const from = source ? src.lastIndexOf("from", source.start) : -1;
    if (source && from >= lastSpecifier.end) {
      this.ed.remove(from, stmtEnd);
      this.ed.insert(from, `= ${require}`);
    }
    if (src[n.end - 1] !== ";") this.ed.insert(n.end, ";");
  }

  private visitExportNamed(n: AstNode): void {
    const decl = child(n, "declaration");
    if (!decl) {
      // `export { a, b }`, `export * from "..."`: nothing to run.
      const source = child(n, "source");
      if (source && text(n, "exportKind") !== "type" && source.value !== LENS_MODULE) {
        return this.refuse(
          "import",
          `Only "${LENS_MODULE}" can be imported in a snippet; "${String(source.value)}" is not available here.`,
          n,
        );
      }
      return this.blankStatement(n);
    }
    if (text(n, "exportKind") === "type" || isTypeOnly(decl)) {
      if (decl.type === "TSEnumDeclaration" || decl.type === "TSModuleDeclaration") {
        if (!isTypeOnly(decl)) return this.visit(decl); // refused there
      }
      return this.blankStatement(n);
    }
    this.ed.blank(n.start, decl.start); // `export `
    this.visit(decl);
  }

  private visitExportDefault(n: AstNode): void {
    const decl = child(n, "declaration");
    if (!decl) return this.blankStatement(n);
    if (isTypeOnly(decl) || decl.type === "TSDeclareFunction") return this.blankStatement(n);
    const named = (decl.type === "FunctionDeclaration" || decl.type === "ClassDeclaration") && child(decl, "id");
    if (named) {
      this.ed.blank(n.start, decl.start); // `export default `
      return this.visit(decl);
    }
    // An expression, or an anonymous function/class: `export` → `;void ` keeps it an expression
    // (`{a: 1}` must not become a block, `function () {}` must not become a statement).
    for (let i = 0; i < 6; i++) this.ed.override(n.start + i, ";void "[i]);
    const kw = this.skip(n.start + 6);
    if (this.src.startsWith("default", kw)) this.ed.blank(kw, kw + 7);
    this.visit(decl);
    if (this.src[n.end - 1] !== ";") this.ed.insert(n.end, ";");
  }

  // --- declarations and bindings -------------------------------------------------------------------

  private visitLoop(n: AstNode): void {
    const k = this.loops.length;
    this.loops.push(this.range(n.start, n.start + (LOOP_KEYWORD[n.type] ?? 0)));
    const body = child(n, "body");
    const tick = `__lens.tick(${k});`;
    const head = (key: string): void => {
      const h = child(n, key);
      if (h?.type === "VariableDeclaration") this.visitVariables(h, false);
      else this.visit(h);
    };
    if (n.type === "DoWhileStatement") {
      this.visitBody(body, tick);
      head("test");
      return;
    }
    head("init");
    head("left");
    head("test");
    head("update");
    head("right");
    this.visitBody(body, tick);
  }

  private visitBody(body: AstNode | null, tick: string): void {
    if (!body) return;
    if (body.type === "BlockStatement") {
      this.ed.insert(body.start + 1, tick);
      this.visit(body);
      return;
    }
    this.ed.insert(body.start, `{${tick} `);
    this.visit(body);
    this.ed.insert(body.end, "}");
  }}

// ---------------------------------------------------------------------------------------------
// Entry point.

interface AcornSyntaxError {
  message: string;
  pos?: number;
  loc?: { line: number; column: number };
}

function isAcornSyntaxError(e: unknown): e is AcornSyntaxError & Error {
  return e instanceof SyntaxError && typeof (e as AcornSyntaxError).loc === "object";
}

function cleanMessage(message: string): string {
  return message.replace(/ \(\d+:\d+\)$/, "");
}

/**
 * Prepare a snippet for the runner: strip TypeScript, rewrite imports, add name binding and loop
 * ticks, wrap in an async IIFE. Never throws.
 */
export function prepareScript(
  source: string,
  language: "typescript" | "javascript",
  fileName: string,
  options: { verify?: boolean } = {},
): { ok: true; script: PreparedScript } | { ok: false; error: RunError } {
  let program: AstNode;
  try {
    program = parse(source, language);
  } catch (e) {
    if (isAcornSyntaxError(e) && e.loc) {
      // The parser's line counts U+2028 as a line; the editor's does not: go through the offset.
      const at = typeof e.pos === "number" ? editorPosition(editorLineStarts(source), source, e.pos) : { line: e.loc.line, column: e.loc.column + 1 };
      return { ok: false, error: { kind: "syntax", message: cleanMessage(e.message), range: at } };
    }
    return { ok: false, error: { kind: "internal", message: `Could not parse ${fileName}: ${String(e)}` } };
  }

  const t = new Transpiler(source);
  try {
    t.run(program);
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, error: { kind: e.kind, message: e.message, range: t.range(e.start, e.end) } };
    return { ok: false, error: { kind: "internal", message: `Could not prepare ${fileName}: ${String(e)}` } };
  }

  const { code, map } = t.ed.build(t.marksCalls ? PREFIX + CALL_PRELUDE : PREFIX, SUFFIX);
  let genStarts: number[] | undefined;
  const toSource = (line: number, column: number): SourceRange => {
    genStarts ??= lineStarts(code);
    const li = Math.min(Math.max(1, Math.floor(line)), genStarts.length) - 1;
    const lineEnd = li + 1 < genStarts.length ? genStarts[li + 1] : code.length;
    const g = Math.min(genStarts[li] + Math.max(1, Math.floor(column)) - 1, lineEnd);
    return t.lc(map.toOriginal(g));
  };

  const script: PreparedScript = { code, toSource, loops: t.loops, topLevelNames: t.topLevelNames, functions: t.functions };
  // Safety net: the output must be plain JavaScript. The sandbox child skips it (verify: false): V8
  // compiles the script anyway and the child asks verifyPrepared only when that fails.
  const wrong = options.verify === false ? undefined : verifyPrepared(script, fileName);
  return wrong ? { ok: false, error: wrong } : { ok: true, script };
}

/** Why a prepared script is not plain JavaScript (a bug in this module, mapped to the user's text), or undefined. */
export function verifyPrepared(script: PreparedScript, fileName: string): RunError | undefined {
  try {
    Parser.parse(script.code, { ecmaVersion: "latest", sourceType: "script" });
    return undefined;
  } catch (e) {
    const at = isAcornSyntaxError(e) && e.loc ? script.toSource(e.loc.line, e.loc.column + 1) : undefined;
    return {
      kind: "internal",
      message: `The prepared script of ${fileName} does not parse (${cleanMessage(String((e as Error).message))}); please report this snippet.`,
      ...(at ? { range: at } : {}),
    };
  }
}
