// The transpiler's foundation (runner/transpile.ts): positions in the user's text, scanning past
// whitespace and comments, the edits every concern uses (blanking with the statement-boundary rules,
// wrapping values), and refusals. The concerns build on it: name binding (transpile-names.ts), type
// blanking (transpile-types.ts), and the dispatch with imports, exports and loop guards (transpile.ts).
import type { RunError, SourceRange } from "../shared/protocol";
import { editorLineStarts, editorPosition, isLineTerminator } from "./lines";
import type { AstNode } from "./transpile-ast";
import { Editor } from "./transpile-editor";

/** Raised while walking: a construct this runner refuses, with its position. */
export class Refusal {
  constructor(
    readonly kind: RunError["kind"],
    readonly message: string,
    readonly start: number,
    readonly end: number,
  ) {}
}

export const TS_MODIFIERS = new Set(["public", "private", "protected", "readonly", "override", "abstract", "declare"]);
export const LOOP_KEYWORD: Record<string, number> = {
  ForStatement: 3,
  ForInStatement: 3,
  ForOfStatement: 3,
  WhileStatement: 5,
  DoWhileStatement: 2,
};
/** Keys under which the TypeScript plugin hangs pure type syntax on ordinary nodes. */
export const TYPE_KEYS = new Set(["typeAnnotation", "returnType", "typeParameters", "typeArguments", "superTypeParameters"]);
export const SKIP_KEYS = new Set(["type", "start", "end", "loc", "range"]);
export const IDENTIFIER = /(?:[\p{ID_Continue}$\u200C\u200D]|\\u[0-9a-fA-F]{4}|\\u\{[0-9a-fA-F]+\})+/uy;

export abstract class TranspilerBase {
  readonly ed: Editor;
  protected readonly starts: number[];

  constructor(protected readonly src: string) {
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
  protected pos(offset: number): string {
    const { line, column } = this.lc(offset);
    return `${line}, ${column}`;
  }

  /** Skip whitespace and comments. */
  protected skip(pos: number): number {
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
  protected skipOver(pos: number, chars: string): number {
    for (;;) {
      pos = this.skip(pos);
      if (pos < this.src.length && chars.includes(this.src[pos])) pos++;
      else return pos;
    }
  }

  protected identifierEnd(pos: number): number {
    IDENTIFIER.lastIndex = pos;
    return IDENTIFIER.test(this.src) ? IDENTIFIER.lastIndex : pos;
  }

  protected hasLineTerminator(start: number, end: number): boolean {
    for (let i = start; i < end; i++) if (isLineTerminator(this.src.charCodeAt(i))) return true;
    return false;
  }

  protected sourceText(n: AstNode): string {
    return this.src.slice(n.start, n.end).replace(/\s+/g, " ");
  }

  // --- edits -------------------------------------------------------------------------------------

  protected blankNode(n: AstNode | null): void {
    if (n) this.ed.blank(n.start, n.end);
  }

  /**
   * Blank a whole statement (or class member), starting it with `;` so what precedes it can never
   * run on into what follows (ts-blank-space's rule): `a\ninterface I {}\n(b)` must stay two
   * statements.
   */
  protected blankStatement(n: AstNode): void {
    this.ed.blank(n.start, n.end);
    this.ed.override(n.start, ";");
  }

  /** Blank the single character ch found at/after pos (past whitespace, comments and `skipping`). */
  protected blankChar(pos: number, ch: string, skipping = ""): void {
    const p = this.skipOver(pos, skipping);
    if (this.src[p] !== ch) throw new Error(`expected '${ch}' at ${p}`);
    this.ed.blank(p, p + 1);
  }

  /** Blank a node and the comma after it, if any. */
  protected blankWithComma(n: AstNode): void {
    const p = this.skip(n.end);
    this.ed.blank(n.start, this.src[p] === "," ? p + 1 : n.end);
  }

  /**
   * A statement that ends without `;` where the TypeScript parser chose to end it, but whose last
   * characters we changed (a blanked type, an inserted `)`): make the end explicit when the next
   * line could continue it (`x = y as T\n[1].map(f)`).
   */
  protected endStatement(n: AstNode): void {
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
  protected wrap(from: number, value: AstNode, open: string, close: string): () => void {
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

  protected refuse(kind: RunError["kind"], message: string, n: AstNode): never {
    let end = n.end;
    for (let i = n.start; i < end; i++) {
      if (isLineTerminator(this.src.charCodeAt(i))) {
        end = i;
        break;
      }
    }
    throw new Refusal(kind, message, n.start, end);
  }

  /** Visit a node (the dispatch, transpile.ts). */
  protected abstract visit(n: AstNode | null): void;
  /** Visit every child node, blanking the type syntax hanging on ordinary nodes. */
  protected abstract visitChildren(n: AstNode): void;
}
