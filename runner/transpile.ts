// Turns the user's TypeScript/JavaScript snippet into JavaScript the runner can evaluate, without a
// compiler: parse with acorn (+ @sveltejs/acorn-typescript for TypeScript), then edit the original
// text in place. Every edit keeps lines where they are:
//   - TypeScript-only syntax is blanked (replaced by spaces, newlines kept; the ts-blank-space
//     approach), so every remaining character keeps its line and column;
//   - `import ... from "autograd-lens"` becomes `const ... = __lens.require(...)`;
//   - initialisers and assigned values are wrapped in `__lens.bind(value, "name", line, column)` /
//     `__lens.bindPattern(value, descriptor, line, column)` so the graph can name tensors;
//   - every loop body starts with `__lens.tick(K);` (timeouts);
//   - the whole program runs in `(async () => { "use strict"; ... \n})()`.
// Insertions never contain a newline; each one is recorded so generated positions map back.
// Constructs that would need real code generation (enum, runtime namespace, parameter properties,
// decorators, `import x = require()`, `export =`) are refused with a RunError of kind "unsupported".

import { Parser } from "acorn";
import { tsPlugin } from "@sveltejs/acorn-typescript";
import type { RunError, SourceRange } from "../shared/protocol";
import { editorLineStarts, editorPosition, floorIndex, isLineTerminator, lineStarts } from "./lines";

export interface PreparedScript {
  /** JavaScript to run (one expression statement: the async IIFE); evaluate it, get a Promise. */
  code: string;
  /** Generated (1-based line, 1-based column) → the user's text (1-based). Lines are identical. */
  toSource(line: number, column: number): SourceRange;
  /** loops[K] is the loop whose body calls __lens.tick(K). */
  loops: SourceRange[];
  /** Variable names declared at top level, in order (for tooling). */
  topLevelNames: string[];
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
// AST access. acorn's own types do not describe the TypeScript plugin's nodes, so nodes are read
// through this small structural type and the accessors below.

interface AstNode {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string";
}

function child(n: AstNode, key: string): AstNode | null {
  const v = n[key];
  return isNode(v) ? v : null;
}

function list(n: AstNode, key: string): Array<AstNode | null> {
  const v = n[key];
  if (!Array.isArray(v)) return [];
  return v.map((x: unknown) => (isNode(x) ? x : null));
}

function nodes(n: AstNode, key: string): AstNode[] {
  const v = n[key];
  if (!Array.isArray(v)) return [];
  return v.filter(isNode);
}

function flag(n: AstNode, key: string): boolean {
  return n[key] === true;
}

function text(n: AstNode, key: string): string | undefined {
  const v = n[key];
  return typeof v === "string" ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// Parsers (built once).

let tsParser: typeof Parser | undefined;

const PARSE_OPTIONS = {
  ecmaVersion: "latest",
  sourceType: "module",
  locations: true,
  allowAwaitOutsideFunction: true,
  allowReturnOutsideFunction: true,
  allowHashBang: true,
} as const;

function parse(source: string, language: "typescript" | "javascript"): AstNode {
  let parser: typeof Parser = Parser;
  if (language === "typescript") {
    tsParser ??= Parser.extend(tsPlugin());
    parser = tsParser;
  }
  const program: unknown = parser.parse(source, PARSE_OPTIONS);
  if (!isNode(program)) throw new Error("parser returned no program");
  return program;
}

// ---------------------------------------------------------------------------------------------
// Lines and columns.

// (runner/lines.ts)

// ---------------------------------------------------------------------------------------------
// In-place editing with a position map.

const KEEP = 0;
const BLANK = 1;
const DELETE = 2;
const OVERRIDE = 3;

interface Insertion {
  pos: number;
  text: string;
}

class Editor {
  readonly mask: Uint8Array;
  private readonly overrides = new Map<number, string>();
  private readonly insertions: Insertion[] = [];
  /** Offsets that received an insertion (for the statement-end semicolon rule). */
  readonly insertedAt = new Set<number>();

  constructor(private readonly src: string) {
    this.mask = new Uint8Array(src.length);
  }

  /** Replace [start, end) by spaces, keeping line terminators. */
  blank(start: number, end: number): void {
    const m = this.mask;
    for (let i = Math.max(0, start); i < end && i < m.length; i++) if (m[i] === KEEP) m[i] = BLANK;
  }

  /** Replace the single character at pos (never a line terminator) by ch. */
  override(pos: number, ch: string): void {
    this.mask[pos] = OVERRIDE;
    this.overrides.set(pos, ch);
  }

  /** Drop [start, end) except its line terminators. */
  remove(start: number, end: number): void {
    for (let i = start; i < end; i++) this.mask[i] = DELETE;
  }

  /** Insert newline-free text before the character at pos; same-position insertions keep order. */
  insert(pos: number, t: string): void {
    if (/[\n\r\u2028\u2029]/.test(t)) throw new Error("insertion with a line terminator");
    this.insertions.push({ pos, text: t });
    this.insertedAt.add(pos);
  }

  isEdited(pos: number): boolean {
    return this.mask[pos] !== KEEP;
  }

  private render(start: number, end: number): string {
    const { mask, src } = this;
    let out = "";
    let i = start;
    while (i < end) {
      const m = mask[i];
      let j = i + 1;
      while (j < end && mask[j] === m) j++;
      if (m === KEEP) out += src.slice(i, j);
      else if (m === BLANK) out += src.slice(i, j).replace(/[^\n\r\u2028\u2029]/g, " ");
      else for (let k = i; k < j; k++) out += this.overrides.get(k) ?? " ";
      i = j;
    }
    return out;
  }

  build(prefix: string, suffix: string): { code: string; map: PositionMap } {
    const { src, mask } = this;
    const n = src.length;
    const ins = this.insertions.slice().sort((a, b) => a.pos - b.pos); // stable
    const parts: string[] = [];
    const map = new PositionMap(n);
    let g = 0;
    const emit = (orig: number, inserted: boolean, t: string): void => {
      map.add(g, orig, inserted);
      parts.push(t);
      g += t.length;
    };
    emit(0, true, prefix);
    let ii = 0;
    let pos = 0;
    for (;;) {
      while (ii < ins.length && ins[ii].pos === pos) emit(pos, true, ins[ii++].text);
      if (pos >= n) break;
      if (mask[pos] === DELETE) {
        if (isLineTerminator(src.charCodeAt(pos))) emit(pos, false, src[pos]);
        pos++;
        continue;
      }
      const stop = ii < ins.length ? ins[ii].pos : n;
      let r = pos + 1;
      while (r < stop && mask[r] !== DELETE) r++;
      emit(pos, false, this.render(pos, r));
      pos = r;
    }
    emit(n, true, suffix);
    return { code: parts.join(""), map };
  }
}

/** Generated offset → original offset: copied runs map linearly, inserted text to its position. */
class PositionMap {
  private readonly gen: number[] = [];
  private readonly orig: number[] = [];
  private readonly inserted: boolean[] = [];
  constructor(private readonly sourceLength: number) {}

  add(gen: number, orig: number, inserted: boolean): void {
    this.gen.push(gen);
    this.orig.push(orig);
    this.inserted.push(inserted);
  }

  toOriginal(genOffset: number): number {
    const i = floorIndex(this.gen, genOffset);
    const o = this.inserted[i] ? this.orig[i] : this.orig[i] + (genOffset - this.gen[i]);
    return Math.min(Math.max(0, o), this.sourceLength);
  }
}

// ---------------------------------------------------------------------------------------------
// The transform.

/** Raised while walking: a construct this runner refuses, with its position. */
class Refusal {
  constructor(
    readonly kind: RunError["kind"],
    readonly message: string,
    readonly start: number,
    readonly end: number,
  ) {}
}

const TS_MODIFIERS = new Set(["public", "private", "protected", "readonly", "override", "abstract", "declare"]);
const LOOP_KEYWORD: Record<string, number> = {
  ForStatement: 3,
  ForInStatement: 3,
  ForOfStatement: 3,
  WhileStatement: 5,
  DoWhileStatement: 2,
};
/** Keys under which the TypeScript plugin hangs pure type syntax on ordinary nodes. */
const TYPE_KEYS = new Set(["typeAnnotation", "returnType", "typeParameters", "typeArguments", "superTypeParameters"]);
const SKIP_KEYS = new Set(["type", "start", "end", "loc", "range"]);
const IDENTIFIER = /(?:[\p{ID_Continue}$\u200C\u200D]|\\u[0-9a-fA-F]{4}|\\u\{[0-9a-fA-F]+\})+/uy;

class Transpiler {
  readonly ed: Editor;
  readonly loops: SourceRange[] = [];
  readonly topLevelNames: string[] = [];
  private readonly starts: number[];

  constructor(private readonly src: string) {
    this.ed = new Editor(src);
    this.starts = editorLineStarts(src);
  }

  // --- positions -------------------------------------------------------------------------------

  /** The editor's line and column of an offset of the user's text (U+2028 is not a line there). */
  lc(offset: number): { line: number; column: number } {
    return editorPosition(this.starts, this.src, offset);
  }

  range(start: number, end: number): SourceRange {
    const a = this.lc(start);
    const b = this.lc(Math.max(start, end));
    return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column };
  }

  /** "LINE, COL" of an offset, for generated calls. */
  private pos(offset: number): string {
    const { line, column } = this.lc(offset);
    return `${line}, ${column}`;
  }

  /** Skip whitespace and comments. */
  private skip(pos: number): number {
    const s = this.src;
    const n = s.length;
    while (pos < n) {
      const c = s.charCodeAt(pos);
      if (c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0xfeff || c === 0x2028 || c === 0x2029) pos++;
      else if (c === 47 && s.charCodeAt(pos + 1) === 47) {
        while (pos < n && !isLineTerminator(s.charCodeAt(pos))) pos++;
      } else if (c === 47 && s.charCodeAt(pos + 1) === 42) {
        const e = s.indexOf("*/", pos + 2);
        pos = e < 0 ? n : e + 2;
      } else if (c > 0x7f && /\s/.test(s[pos])) pos++;
      else break;
    }
    return pos;
  }

  /** Skip whitespace, comments and any of the given characters. */
  private skipOver(pos: number, chars: string): number {
    for (;;) {
      pos = this.skip(pos);
      if (pos < this.src.length && chars.includes(this.src[pos])) pos++;
      else return pos;
    }
  }

  private identifierEnd(pos: number): number {
    IDENTIFIER.lastIndex = pos;
    return IDENTIFIER.test(this.src) ? IDENTIFIER.lastIndex : pos;
  }

  private hasLineTerminator(start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (isLineTerminator(this.src.charCodeAt(i))) return true;
    return false;
  }

  private sourceText(n: AstNode): string {
    return this.src.slice(n.start, n.end).replace(/\s+/g, " ");
  }

  // --- edits -------------------------------------------------------------------------------------

  private blankNode(n: AstNode | null): void {
    if (n) this.ed.blank(n.start, n.end);
  }

  /**
   * Blank a whole statement (or class member), starting it with `;` so what precedes it can never
   * run on into what follows (ts-blank-space's rule): `a\ninterface I {}\n(b)` must stay two
   * statements.
   */
  private blankStatement(n: AstNode): void {
    this.ed.blank(n.start, n.end);
    this.ed.override(n.start, ";");
  }

  /** Blank the single character ch found at/after pos (past whitespace, comments and `skipping`). */
  private blankChar(pos: number, ch: string, skipping = ""): void {
    const p = this.skipOver(pos, skipping);
    if (this.src[p] !== ch) throw new Error(`expected '${ch}' at ${p}`);
    this.ed.blank(p, p + 1);
  }

  /** Blank a node and the comma after it, if any. */
  private blankWithComma(n: AstNode): void {
    const p = this.skip(n.end);
    this.ed.blank(n.start, this.src[p] === "," ? p + 1 : n.end);
  }

  /**
   * A statement that ends without `;` where the TypeScript parser chose to end it, but whose last
   * characters we changed (a blanked type, an inserted `)`): make the end explicit when the next
   * line could continue it (`x = y as T\n[1].map(f)`).
   */
  private endStatement(n: AstNode): void {
    const s = this.src;
    if (s[n.end - 1] === ";") return;
    if (!this.ed.insertedAt.has(n.end) && !this.ed.isEdited(n.end - 1)) return;
    // The parser ended the statement here, so what follows starts a new one. Only a token that
    // could also continue an expression needs the `;`: not `}`, the end, or a word (except the
    // operators `in`/`instanceof`, which a class member may be named).
    const next = this.skip(n.end);
    if (next >= s.length || s[next] === "}" || s[next] === ";") return;
    const wordEnd = this.identifierEnd(next);
    if (wordEnd > next && !/^\d/.test(s[next])) {
      const word = s.slice(next, wordEnd);
      if (word !== "in" && word !== "instanceof") return;
    }
    this.ed.insert(n.end, ";");
  }

  /**
   * Wrap an initialiser or assigned value: find the `=` after `from`, take the value with the
   * parentheses around it, insert `open` before and `close` after. Returns the close callback to
   * run once the value's own edits are recorded (so nested wraps close first).
   */
  private wrap(from: number, value: AstNode, open: string, close: string): () => void {
    const s = this.src;
    let start = value.start;
    let end = value.end;
    const eq = this.skipOver(from, ")]?!");
    if (s[eq] === "=" && eq < value.start) {
      let p = this.skip(eq + 1);
      start = p;
      let parens = 0;
      while (p < value.start && s[p] === "(") {
        parens++;
        p = this.skip(p + 1);
      }
      for (let i = 0; i < parens; i++) {
        const q = this.skip(end);
        if (s[q] !== ")") break;
        end = q + 1;
      }
    }
    this.ed.insert(start, open);
    return () => this.ed.insert(end, close);
  }

  private refuse(kind: RunError["kind"], message: string, n: AstNode): never {
    let end = n.end;
    for (let i = n.start; i < end; i++) {
      if (isLineTerminator(this.src.charCodeAt(i))) {
        end = i;
        break;
      }
    }
    throw new Refusal(kind, message, n.start, end);
  }

  // --- program -----------------------------------------------------------------------------------

  run(program: AstNode): void {
    if (this.src.startsWith("#!")) {
      let e = 0;
      while (e < this.src.length && !isLineTerminator(this.src.charCodeAt(e))) e++;
      this.ed.blank(0, e);
    }
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

  private visit(n: AstNode | null): void {
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
  private visitChildren(n: AstNode): void {
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

  private refuseDecorator(n: AstNode): never {
    return this.refuse(
      "unsupported",
      "Decorators are not supported in a snippet; call the decorator function yourself instead (e.g. `C = dec(C)`).",
      n,
    );
  }

  private refuseParameterProperty(n: AstNode): never {
    return this.refuse(
      "unsupported",
      "Constructor parameter properties (`constructor(private x: number)`) are not supported in a snippet; declare the field in the class body and assign it in the constructor: `x: number; constructor(x: number) { this.x = x; }`.",
      n,
    );
  }

  // --- TypeScript expressions ----------------------------------------------------------------------

  /** `expr as T`, `expr satisfies T`: blank from the keyword (after any `)` closing expr) to the end. */
  private visitTypeOperator(n: AstNode): void {
    const e = child(n, "expression");
    this.visit(e);
    if (!e) return;
    const kw = this.skipOver(e.end, ")");
    this.ed.blank(kw, n.end);
  }

  /** `<T>expr`: blank `<T>`; when a newline follows it, keep the old grouping with `(   expr)`. */
  private visitAngleAssertion(n: AstNode): void {
    const e = child(n, "expression");
    const t = child(n, "typeAnnotation");
    if (!e) return;
    const gt = t ? this.skipOver(t.end, "") : n.start;
    const typeEnd = this.src[gt] === ">" ? gt + 1 : gt;
    this.ed.blank(n.start, typeEnd);
    if (this.hasLineTerminator(n.start, e.start)) {
      // `return <T>\n x` would return undefined once blanked: `return (\n x)` keeps x.
      this.ed.override(n.start, "(");
      this.visit(e);
      this.ed.insert(n.end, ")");
      return;
    }
    this.visit(e);
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

  private visitVariables(n: AstNode, isStatement: boolean): void {
    if (flag(n, "declare")) return this.blankStatement(n);
    for (const d of nodes(n, "declarations")) {
      const id = child(d, "id");
      const init = child(d, "init");
      if (!id) continue;
      if (flag(d, "definite")) this.blankChar(id.type === "Identifier" ? this.identifierEnd(id.start) : id.start, "!");
      this.visitPattern(id);
      if (!init) continue;
      let close: (() => void) | null = null;
      if (id.type === "Identifier") {
        if (!isUnnamedValue(init)) close = this.wrap(id.end, init, "__lens.bind(", `, ${JSON.stringify(String(id.name))}, ${this.pos(id.start)})`);
      } else {
        close = this.wrap(id.end, init, "__lens.bindPattern(", `, ${this.descriptorJson(id)}, ${this.pos(id.start)})`);
      }
      this.visit(init);
      close?.();
    }
    if (isStatement) this.endStatement(n);
  }

  /** A binding pattern (declaration, parameter, catch): blank its types, wrap its defaults. */
  private visitPattern(p: AstNode | null): void {
    if (!p) return;
    if (p.type === "Identifier") {
      this.blankNode(child(p, "typeAnnotation"));
      return;
    }
    this.visit(p);
  }

  private visitAssignment(n: AstNode): void {
    const left = child(n, "left");
    const right = child(n, "right");
    if (!left || !right) return this.visitChildren(n);
    let close: (() => void) | null = null;
    if (n.operator === "=") {
      const target = stripTypeWrappers(left);
      if (target.type === "ObjectPattern" || target.type === "ArrayPattern") {
        close = this.wrap(left.end, right, "__lens.bindPattern(", `, ${this.descriptorJson(target)}, ${this.pos(target.start)})`);
      } else if (!isUnnamedValue(right)) {
        const name = this.targetName(target);
        close = this.wrap(left.end, right, "__lens.bind(", `, ${jsonString(name)}, ${this.pos(target.start)})`);
      }
    }
    this.visit(left);
    this.visit(right);
    close?.();
  }

  /** `a = expr` inside a pattern or parameter list: the default is bound to the name too. */
  private visitDefault(n: AstNode): void {
    const left = child(n, "left");
    const right = child(n, "right");
    if (!left || !right) return this.visitChildren(n);
    const target = stripTypeWrappers(left);
    let close: (() => void) | null = null;
    if (!isUnnamedValue(right) && target.type !== "ObjectPattern" && target.type !== "ArrayPattern") {
      close = this.wrap(left.end, right, "__lens.bind(", `, ${jsonString(this.targetName(target))}, ${this.pos(target.start)})`);
    }
    this.visitPattern(left);
    this.visit(right);
    close?.();
  }

  /** `x`, `obj.w`, `this.w` → "w", `a[0]`: the name an assignment target gives its value. */
  private targetName(n: AstNode): string {
    const name = this.rawTargetName(n);
    return name.startsWith("this.") ? name.slice(5) : name;
  }

  private rawTargetName(n: AstNode): string {
    switch (n.type) {
      case "Identifier":
        return String(n.name);
      case "ThisExpression":
        return "this";
      case "Super":
        return "super";
      case "PrivateIdentifier":
        return `#${String(n.name)}`;
      case "MemberExpression": {
        const object = child(n, "object");
        const property = child(n, "property");
        if (!object || !property) break;
        const o = this.rawTargetName(stripTypeWrappers(object));
        if (flag(n, "computed")) return `${o}[${this.sourceText(property)}]`;
        return `${o}.${this.rawTargetName(property)}`;
      }
      case "TSAsExpression":
      case "TSSatisfiesExpression":
      case "TSNonNullExpression":
      case "TSTypeAssertion":
      case "ParenthesizedExpression":
        return this.rawTargetName(stripTypeWrappers(n));
    }
    return this.sourceText(n);
  }

  private descriptorJson(p: AstNode): string {
    return jsonString(this.descriptor(p));
  }

  private descriptor(p: AstNode): PatternDescriptor {
    switch (p.type) {
      case "AssignmentPattern": {
        const left = child(p, "left");
        if (!left) break;
        return { ...this.descriptor(left), default: true };
      }
      case "ArrayPattern":
        return {
          array: list(p, "elements").map((e) => {
            if (!e) return null;
            if (e.type === "RestElement") return { rest: this.descriptorOf(child(e, "argument")) };
            return this.descriptor(e);
          }),
        };
      case "ObjectPattern":
        return {
          object: nodes(p, "properties").map((pr) => {
            if (pr.type === "RestElement") return { rest: this.descriptorOf(child(pr, "argument")) };
            return { key: propertyKey(pr), target: this.descriptorOf(child(pr, "value")) };
          }),
        };
    }
    const t = stripTypeWrappers(p);
    const at = this.lc(t.start);
    return { name: this.targetName(t), line: at.line, column: at.column };
  }

  private descriptorOf(p: AstNode | null): PatternDescriptor {
    return p ? this.descriptor(p) : { array: [] };
  }

  // --- functions and classes -----------------------------------------------------------------------

  private visitFunction(n: AstNode): void {
    this.blankNode(child(n, "typeParameters"));
    const params = list(n, "params");
    params.forEach((p, i) => {
      if (!p) return;
      if (p.type === "TSParameterProperty") return this.refuseParameterProperty(p);
      if (i === 0 && p.type === "Identifier" && p.name === "this") return this.blankWithComma(p);
      this.visitParameter(p);
    });
    const returnType = child(n, "returnType");
    if (returnType) {
      if (n.type === "ArrowFunctionExpression") this.blankArrowReturnType(n, params, returnType);
      else this.blankNode(returnType);
    }
    this.visit(child(n, "body"));
  }

  private visitParameter(p: AstNode): void {
    const id = p.type === "AssignmentPattern" ? child(p, "left") : p;
    if (id && flag(id, "optional")) {
      // `a?`, `a?: T`, `{a}?: T`: the `?` follows the name (or the pattern's closing bracket).
      if (id.type === "Identifier") this.blankChar(this.identifierEnd(id.start), "?");
      else {
        const t = child(id, "typeAnnotation");
        let q = t ? t.start - 1 : id.end - 1;
        while (q > id.start && /\s/.test(this.src[q])) q--;
        if (this.src[q] === "?") this.ed.blank(q, q + 1);
      }
    }
    this.visitPattern(p);
  }

  /**
   * `(a): T => x`. Blanking `: T` is enough unless a newline would then sit between `)` and `=>`
   * (a multi-line return type): then the `)` moves to the type's last character (ts-blank-space).
   */
  private blankArrowReturnType(n: AstNode, params: Array<AstNode | null>, returnType: AstNode): void {
    const s = this.src;
    const last = params.length ? params[params.length - 1] : null;
    let paren: number;
    if (last) paren = this.skipOver(last.end, ",");
    else {
      const tp = child(n, "typeParameters");
      const open = s.indexOf("(", tp ? tp.end : n.start);
      paren = this.skip(open + 1);
    }
    if (s[paren] === ")" && this.hasLineTerminator(paren, returnType.end)) {
      this.ed.blank(paren, returnType.end);
      this.ed.override(returnType.end - 1, ")");
      return;
    }
    this.ed.blank(returnType.start, returnType.end);
  }

  private visitClass(n: AstNode): void {
    const decorators = nodes(n, "decorators");
    if (decorators.length) this.refuseDecorator(decorators[0]);
    if (flag(n, "declare")) return this.blankStatement(n);
    if (flag(n, "abstract") && this.src.startsWith("abstract", n.start)) this.ed.blank(n.start, n.start + 8);
    this.blankNode(child(n, "typeParameters"));
    this.visit(child(n, "superClass"));
    this.blankNode(child(n, "superTypeParameters"));
    const impl = nodes(n, "implements");
    if (impl.length) {
      const kw = this.src.lastIndexOf("implements", impl[0].start);
      this.ed.blank(kw >= n.start ? kw : impl[0].start, impl[impl.length - 1].end);
    }
    const body = child(n, "body");
    if (body) for (const m of nodes(body, "body")) this.visitMember(m);
  }

  private visitMember(m: AstNode): void {
    if (m.type !== "MethodDefinition" && m.type !== "PropertyDefinition") return this.visit(m);
    const decorators = nodes(m, "decorators");
    if (decorators.length) this.refuseDecorator(decorators[0]);
    const key = child(m, "key");
    const value = child(m, "value");
    if (!key) return this.visitChildren(m);
    if (m.type === "PropertyDefinition" && (flag(m, "declare") || flag(m, "abstract"))) return this.blankStatement(m);
    if (m.type === "MethodDefinition" && value?.type === "TSDeclareMethod") return this.blankStatement(m);
    // Modifiers: the words before the key. `;` first, so `x = a\nprivate [k] = 1` stays two members.
    // (Only at the member's very start: `static ;` would declare a field named "static".)
    const memberStart = this.skip(m.start);
    for (let p = memberStart; p < key.start; p = this.skip(p)) {
      const e = this.identifierEnd(p);
      if (e === p) break;
      if (TS_MODIFIERS.has(this.src.slice(p, e))) {
        this.ed.blank(p, e);
        if (p === memberStart) this.ed.override(p, ";");
      }
      p = e;
    }
    const computed = flag(m, "computed");
    if (computed) this.visit(key);
    this.blankNode(child(m, "typeParameters"));
    if (flag(m, "optional")) this.blankChar(key.end, "?", "]");
    if (flag(m, "definite")) this.blankChar(key.end, "!", "]");
    if (m.type === "MethodDefinition") return this.visit(value);
    // A field: `w = expr` binds "w", like `this.w = expr`.
    const type = child(m, "typeAnnotation");
    this.blankNode(type);
    if (value) {
      const name = computed && key.type !== "Literal" ? null : key.type === "Literal" ? String(key.value) : this.rawTargetName(key);
      const close =
        name !== null && !isUnnamedValue(value)
          ? this.wrap(type ? type.end : key.end, value, "__lens.bind(", `, ${jsonString(name)}, ${this.pos(key.start)})`)
          : null;
      this.visit(value);
      close?.();
    }
    this.endStatement(m);
  }

  // --- loops ---------------------------------------------------------------------------------------

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
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers on nodes.

/** JSON for generated code: JSON leaves U+2028/U+2029 raw, and they are line terminators here. */
function jsonString(v: unknown): string {
  return JSON.stringify(v).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function stripTypeWrappers(n: AstNode): AstNode {
  let cur = n;
  for (;;) {
    if (
      cur.type === "TSAsExpression" ||
      cur.type === "TSSatisfiesExpression" ||
      cur.type === "TSNonNullExpression" ||
      cur.type === "TSTypeAssertion" ||
      cur.type === "ParenthesizedExpression"
    ) {
      const e = child(cur, "expression");
      if (!e) return cur;
      cur = e;
    } else return cur;
  }
}

/**
 * Values not worth naming, or whose name JavaScript infers from the binding (`const f = () => 1`
 * gives f.name === "f"; a wrapper call would lose it): functions, classes, literals.
 */
function isUnnamedValue(n: AstNode): boolean {
  const t = stripTypeWrappers(n).type;
  return t === "ArrowFunctionExpression" || t === "FunctionExpression" || t === "ClassExpression" || t === "Literal";
}

function propertyKey(p: AstNode): string | null {
  const key = child(p, "key");
  if (!key) return null;
  if (key.type === "Literal") return String(key.value);
  if (!flag(p, "computed") && key.type === "Identifier") return String(key.name);
  return null;
}

function collectPatternNames(p: AstNode | null, out: string[]): void {
  if (!p) return;
  switch (p.type) {
    case "Identifier":
      out.push(String(p.name));
      return;
    case "AssignmentPattern":
      return collectPatternNames(child(p, "left"), out);
    case "RestElement":
      return collectPatternNames(child(p, "argument"), out);
    case "ArrayPattern":
      for (const e of list(p, "elements")) collectPatternNames(e, out);
      return;
    case "ObjectPattern":
      for (const pr of nodes(p, "properties")) collectPatternNames(pr.type === "RestElement" ? pr : child(pr, "value"), out);
      return;
  }
}

/** Declarations with no runtime effect (blanked whole). */
function isTypeOnly(n: AstNode): boolean {
  switch (n.type) {
    case "TSInterfaceDeclaration":
    case "TSTypeAliasDeclaration":
    case "TSDeclareFunction":
      return true;
    case "VariableDeclaration":
    case "ClassDeclaration":
    case "TSEnumDeclaration":
      return flag(n, "declare");
    case "TSModuleDeclaration": {
      if (flag(n, "declare")) return true;
      const body = child(n, "body");
      if (!body) return true;
      if (body.type === "TSModuleDeclaration") return isTypeOnly(body);
      return nodes(body, "body").every(isTypeOnly);
    }
    case "ExportNamedDeclaration": {
      if (text(n, "exportKind") === "type") return true;
      const d = child(n, "declaration");
      return d !== null && isTypeOnly(d);
    }
    case "ImportDeclaration":
      return text(n, "importKind") === "type";
  }
  return false;
}

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

  const { code, map } = t.ed.build(PREFIX, SUFFIX);
  let genStarts: number[] | undefined;
  const toSource = (line: number, column: number): SourceRange => {
    genStarts ??= lineStarts(code);
    const li = Math.min(Math.max(1, Math.floor(line)), genStarts.length) - 1;
    const lineEnd = li + 1 < genStarts.length ? genStarts[li + 1] : code.length;
    const g = Math.min(genStarts[li] + Math.max(1, Math.floor(column)) - 1, lineEnd);
    return t.lc(map.toOriginal(g));
  };

  // Safety net: the output must be plain JavaScript. A failure here is a bug in this module.
  try {
    Parser.parse(code, { ecmaVersion: "latest", sourceType: "script" });
  } catch (e) {
    const at = isAcornSyntaxError(e) && e.loc ? toSource(e.loc.line, e.loc.column + 1) : undefined;
    return {
      ok: false,
      error: {
        kind: "internal",
        message: `The prepared script of ${fileName} does not parse (${cleanMessage(String((e as Error).message))}); please report this snippet.`,
        ...(at ? { range: at } : {}),
      },
    };
  }

  return { ok: true, script: { code, toSource, loops: t.loops, topLevelNames: t.topLevelNames } };
}
