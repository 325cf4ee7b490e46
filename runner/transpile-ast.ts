// The transpiler's view of the syntax tree (runner/transpile.ts): parsing with acorn (+ the TypeScript
// plugin), a small structural node type with accessors, and pure helpers on nodes.
import { Parser } from "acorn";
import { tsPlugin } from "@sveltejs/acorn-typescript";

// AST access. acorn's own types do not describe the TypeScript plugin's nodes, so nodes are read
// through this small structural type and the accessors below.

export interface AstNode {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

export function isNode(v: unknown): v is AstNode {
  return typeof v === "object" && v !== null && typeof (v as { type?: unknown }).type === "string";
}

export function child(n: AstNode, key: string): AstNode | null {
  const v = n[key];
  return isNode(v) ? v : null;
}

export function list(n: AstNode, key: string): Array<AstNode | null> {
  const v = n[key];
  if (!Array.isArray(v)) return [];
  return v.map((x: unknown) => (isNode(x) ? x : null));
}

export function nodes(n: AstNode, key: string): AstNode[] {
  const v = n[key];
  if (!Array.isArray(v)) return [];
  return v.filter(isNode);
}

export function flag(n: AstNode, key: string): boolean {
  return n[key] === true;
}

export function text(n: AstNode, key: string): string | undefined {
  const v = n[key];
  return typeof v === "string" ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// Parsers (built once).

let tsParser: typeof Parser | undefined;

export const PARSE_OPTIONS = {
  ecmaVersion: "latest",
  sourceType: "module",
  locations: true,
  allowAwaitOutsideFunction: true,
  allowReturnOutsideFunction: true,
  allowHashBang: true,
} as const;

export function parse(source: string, language: "typescript" | "javascript"): AstNode {
  let parser: typeof Parser = Parser;
  if (language === "typescript") {
    tsParser ??= Parser.extend(tsPlugin());
    parser = tsParser;
  }
  const program: unknown = parser.parse(source, PARSE_OPTIONS);
  if (!isNode(program)) throw new Error("parser returned no program");
  return program;
}

// Helpers on nodes.

/** JSON for generated code: JSON leaves U+2028/U+2029 raw, and they are line terminators here. */
export function jsonString(v: unknown): string {
  return JSON.stringify(v).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

export function stripTypeWrappers(n: AstNode): AstNode {
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
export function isUnnamedValue(n: AstNode): boolean {
  const t = stripTypeWrappers(n).type;
  return t === "ArrowFunctionExpression" || t === "FunctionExpression" || t === "ClassExpression" || t === "Literal";
}

export function propertyKey(p: AstNode): string | null {
  const key = child(p, "key");
  if (!key) return null;
  if (key.type === "Literal") return String(key.value);
  if (!flag(p, "computed") && key.type === "Identifier") return String(key.name);
  return null;
}

export function collectPatternNames(p: AstNode | null, out: string[]): void {
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
export function isTypeOnly(n: AstNode): boolean {
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

