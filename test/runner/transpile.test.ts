import { readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import { Parser, tokenizer } from "acorn";
import { describe, expect, it } from "vitest";
import * as engine from "../../engine/index";
import { prepareScript, type PatternDescriptor, type PreparedScript } from "../../runner/transpile";
import type { RunError } from "../../shared/protocol";

// Every snippet is prepared, then really run against a fake `__lens` that records what the
// inserted calls saw; the assertions are on what the program computed and on those records.

interface Bound {
  name: string;
  line: number;
  column: number;
  value: unknown;
}
interface PatternBound {
  pattern: PatternDescriptor;
  line: number;
  column: number;
  value: unknown;
}
interface Trace {
  binds: Bound[];
  patterns: PatternBound[];
  ticks: number[];
  requires: Array<{ spec: string; line: number; column: number }>;
  logs: unknown[][];
  /** Calls to the sandbox's own `require` (not the import rewriting). */
  plainRequires: string[];
  /** Function calls marked (transpile-calls.ts): "+name" on enter (with "(this)" for a method), "-" on exit. */
  calls: string[];
  /** The functions the script lists (for naming `calls`). */
  sites?: PreparedScript["functions"];
}

const FAKE_MODULE = { torch: { name: "torch" }, nn: { name: "nn" }, default: { name: "default" } };
const LINE_BREAK = /\r\n|\r|\n|\u2028|\u2029/;
/** Identifiers that only the transpiler writes (prefix, bind/tick/require calls). */
const INSERTED_NAMES = new Set(["__lens", "bind", "bindPattern", "tick", "thrown", "require", "async", "enter", "exit", "__lensF", "__lensE", "__lensX"]);

function prepare(source: string, language: "typescript" | "javascript" = "typescript"): PreparedScript {
  const r = prepareScript(source, language, "snippet.ts");
  if (!r.ok) throw new Error(`prepareScript failed: ${JSON.stringify(r.error)}\n${source}`);
  return r.script;
}

function refusal(source: string, language: "typescript" | "javascript" = "typescript"): RunError {
  const r = prepareScript(source, language, "snippet.ts");
  if (r.ok) throw new Error(`expected a refusal, got:\n${r.script.code}`);
  return r.error;
}

function newTrace(): Trace {
  return { binds: [], patterns: [], ticks: [], requires: [], logs: [], plainRequires: [], calls: [] };
}

function fakeLens(trace: Trace, module: unknown): Record<string, unknown> {
  return {
    bind<T>(value: T, name: string, line: number, column: number): T {
      trace.binds.push({ name, line, column, value });
      return value;
    },
    bindPattern<T>(value: T, pattern: PatternDescriptor, line: number, column: number): T {
      trace.patterns.push({ pattern, line, column, value });
      return value;
    },
    tick(k: number): void {
      trace.ticks.push(k);
    },
    enter(k: number, ...self: unknown[]): number {
      trace.calls.push(`+${trace.sites?.[k]?.name ?? k}${self.length ? "(this)" : ""}`);
      return trace.calls.length;
    },
    exit(): void {
      trace.calls.push("-");
    },
    thrown<T>(value: T): T {
      return value;
    },
    require(spec: string, line: number, column: number): unknown {
      trace.requires.push({ spec, line, column });
      return module;
    },
  };
}

/** Prepare and run a snippet; `return` at top level gives the result. */
async function run(
  source: string,
  options: { language?: "typescript" | "javascript"; module?: unknown } = {},
): Promise<{ result: unknown; trace: Trace; script: PreparedScript }> {
  const script = prepare(source, options.language);
  const trace = newTrace();
  trace.sites = script.functions;
  const sandboxRequire = (spec: string): unknown => {
    trace.plainRequires.push(spec);
    return { spec };
  };
  const console = { log: (...args: unknown[]) => void trace.logs.push(args) };
  // The code is one expression statement; `return` hands its Promise to us.
  const fn = new Function("__lens", "require", "console", `return ${script.code}`) as (
    lens: unknown,
    req: unknown,
    con: unknown,
  ) => Promise<unknown>;
  const result = await fn(fakeLens(trace, options.module ?? FAKE_MODULE), sandboxRequire, console);
  return { result, trace, script };
}

function lines(s: string): string[] {
  return s.split(LINE_BREAK);
}

/** The text of `source` at a 1-based position. */
function at(source: string, line: number, column: number, length: number): string {
  return lines(source)[line - 1].slice(column - 1, column - 1 + length);
}

/** 1-based position of the n-th occurrence of `needle` in source. */
function find(source: string, needle: string, nth = 0): { line: number; column: number } {
  let from = 0;
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = source.indexOf(needle, from);
    if (i < 0) throw new Error(`"${needle}" not found`);
    from = i + 1;
  }
  const before = source.slice(0, i);
  const ls = lines(before);
  return { line: ls.length, column: ls[ls.length - 1].length + 1 };
}

/** 1-based position of `needle` in the generated code. */
function findGenerated(script: PreparedScript, needle: string, nth = 0): { line: number; column: number } {
  return find(script.code, needle, nth);
}

/**
 * Layout guarantees: same line count (+1 for the wrapper's closing line), no line shorter than the
 * user's, and on every line without insertions each character is the user's or a blank (or one of
 * the `;`, `(`, `)` the ASI rules write over a blanked character).
 */
function checkLayout(source: string, script: PreparedScript): void {
  const src = lines(source);
  const gen = lines(script.code);
  expect(gen.length).toBe(src.length + 1);
  expect(gen[gen.length - 1]).toBe("})()");
  const prefix = '(async () => { "use strict"; ';
  const calls = "const __lensE = __lens.enter, __lensX = __lens.exit; ";
  expect(gen[0].startsWith(prefix)).toBe(true);
  gen[0] = gen[0].slice(prefix.length);
  if (gen[0].startsWith(calls)) gen[0] = gen[0].slice(calls.length);
  src.forEach((s, i) => {
    let g = gen[i];
    // The import rewrite writes `const ` over `import`, `;void ` over `export` (same lengths).
    if (s.startsWith("import") && g.startsWith("const ")) g = `import${g.slice(6)}`;
    if (s.startsWith("export") && g.startsWith(";void ")) g = `export${g.slice(6)}`;
    expect(g.length, `line ${i + 1}`).toBeGreaterThanOrEqual(s.length);
    if (g.length !== s.length) return;
    for (let c = 0; c < s.length; c++) {
      if (g[c] === s[c]) continue;
      expect(" ;():".includes(g[c]), `line ${i + 1} column ${c + 1}: "${s[c]}" became "${g[c]}"`).toBe(true);
      expect(s[c]).not.toBe(" ");
    }
  });
}

/** Every identifier in the output maps back (toSource) onto the same identifier in the source. */
function checkIdentifiers(source: string, script: PreparedScript): number {
  let mapped = 0;
  for (const tok of tokenizer(script.code, { ecmaVersion: "latest", locations: true })) {
    if (tok.type.label !== "name" || !tok.loc) continue;
    const name = script.code.slice(tok.start, tok.end);
    const pos = script.toSource(tok.loc.start.line, tok.loc.start.column + 1);
    if (at(source, pos.line, pos.column, name.length) === name) {
      mapped++;
      continue;
    }
    expect(INSERTED_NAMES.has(name), `${name} at generated ${tok.loc.start.line}:${tok.loc.start.column + 1}`).toBe(true);
  }
  return mapped;
}

// ---------------------------------------------------------------------------------------------

describe("type stripping: TypeScript runs like the obvious JavaScript", () => {
  const corpus: Array<{ name: string; ts: string; js: string; expected: unknown }> = [
    {
      name: "annotations on variables, parameters, returns",
      ts: `const a: number = 2;
let b: string | undefined = "x";
let c: Array<{ k: number }> = [{ k: 1 }];
function sq(v: number): number { return v * v; }
const { p, q }: { p: number; q: number } = { p: 3, q: 4 };
const [r]: [number] = [5];
try { throw new Error("e") } catch (err: unknown) { b = (err as Error).message }
return [sq(a), b, c[0].k, p + q, r];`,
      js: `const a = 2;
let b = "x";
let c = [{ k: 1 }];
function sq(v) { return v * v; }
const { p, q } = { p: 3, q: 4 };
const [r] = [5];
try { throw new Error("e") } catch (err) { b = (err).message }
return [sq(a), b, c[0].k, p + q, r];`,
      expected: [4, "e", 1, 7, 5],
    },
    {
      name: "interfaces and type aliases, including ASI hazards after them",
      ts: `const xs = [1, 2, 3]
interface Point {
  x: number
  y: number
}
let out = 0
type T = number
(() => { out = 10 })()
let y = 1
type Pair<U> = [U, U]
[4, 5].forEach((v) => xs.push(v))
export interface Exported { a: T }
export type Alias = Pair<T>
const p: Point = { x: 1, y: 2 }
return [xs.length, out, p.x + p.y]`,
      js: `const xs = [1, 2, 3];
let out = 0;
(() => { out = 10 })();
let y = 1;
[4, 5].forEach((v) => xs.push(v));
const p = { x: 1, y: 2 };
return [xs.length, out, p.x + p.y]`,
      expected: [5, 10, 3],
    },
    {
      name: "generics: type parameters and type arguments",
      ts: `function id<T>(v: T): T { return v }
function pair<A, B extends string = string>(a: A, b: B): [A, B] { return [a, b] }
const m = new Map<string, number>([["k", 5]])
const s = new Set<number>
class Box<T> {
  v: T
  constructor(v: T) { this.v = v }
  get<K extends keyof T>(k: K): T[K] { return this.v[k] }
}
const f = id<(x: number) => number>((x) => x + 1)
const g = id<number>
const opt: ((n: number) => number) | undefined = undefined
return [id<number>(3), pair<number, "b">(1, "b"), m.get("k"), s.size, new Box<{ a: number }>({ a: 7 }).get("a"), f(1), g(2), opt?.<number>(1)]`,
      js: `function id(v) { return v }
function pair(a, b) { return [a, b] }
const m = new Map([["k", 5]])
const s = new Set
class Box {
  v
  constructor(v) { this.v = v }
  get(k) { return this.v[k] }
}
const f = id((x) => x + 1)
const g = id
const opt = undefined
return [id(3), pair(1, "b"), m.get("k"), s.size, new Box({ a: 7 }).get("a"), f(1), g(2), opt?.(1)]`,
      expected: [3, [1, "b"], 5, 0, 7, 2, 2, undefined],
    },
    {
      name: "as, satisfies, non-null, angle-bracket assertions",
      ts: `const o = { a: 1, b: [2] } satisfies Record<string, unknown>
const n = (o.a as number) + 1
const m = new Map<string, number>([["k", 5]])
const k = m.get("k")!
const u = <number>(k + 1)
const w = o.b![0]!
let z = o as unknown as { a: number }
z = m as any
const t = n as number
[1].forEach(() => {})
function back(): number {
  return <number>
    42
}
return [n, k, u, w, z instanceof Map, back()]`,
      js: `const o = { a: 1, b: [2] };
const n = (o.a) + 1
const m = new Map([["k", 5]])
const k = m.get("k")
const u = (k + 1)
const w = o.b[0]
let z = o;
z = m
const t = n;
[1].forEach(() => {})
function back() {
  return 42
}
return [n, k, u, w, z instanceof Map, back()]`,
      expected: [2, 5, 6, 2, true, 42],
    },
    {
      name: "optional parameters, this parameters, definite assignment, declare, overloads",
      ts: `function opt(a: number, b?: number, c?: number): number { return a + (b ?? 10) + (c ?? 100) }
function self(this: { v: number }, add?: number) { return this.v + (add ?? 0) }
const arrow = (x?: number): number => x ?? -1
let late!: number
late = 3
declare const injected: number
declare function ambient(x: number): void
declare let later: string
declare class Ambient { m(): void }
declare enum Flags { A, B }
declare namespace NS { const x: number }
declare module "somewhere" { export const y: number }
declare global { interface Window { lens: number } }
namespace TypesOnly { export type T = number; export interface I { a: T } }
function over(x: string): string
function over(x: number): number
function over(x: string | number): string | number { return x }
return [opt(1), opt(1, 2), opt(1, 2, 3), self.call({ v: 4 }), self.call({ v: 4 }, 1), arrow(), arrow(5), late, over(7)]`,
      js: `function opt(a, b, c) { return a + (b ?? 10) + (c ?? 100) }
function self(add) { return this.v + (add ?? 0) }
const arrow = (x) => x ?? -1
let late
late = 3
function over(x) { return x }
return [opt(1), opt(1, 2), opt(1, 2, 3), self.call({ v: 4 }), self.call({ v: 4 }, 1), arrow(), arrow(5), late, over(7)]`,
      expected: [111, 103, 6, 4, 5, -1, 5, 3, 7],
    },
    {
      name: "classes with modifiers, abstract members, implements, index signatures",
      ts: `interface HasArea { area(): number }
abstract class Shape<T = number> implements HasArea {
  [key: string]: unknown
  protected abstract side: number
  public readonly name: string = "shape"
  private static count: number = 0
  declare tag: string
  static readonly made: string[] = []
  abstract area(): number
  public describe(this: Shape<T>): string { return \`\${this.name}:\${this.area()}\` }
  protected constructor() { Shape.count++; Shape.made.push(String(Shape.count)) }
}
class Sq extends Shape<number> implements HasArea, Iterable<number> {
  protected side!: number
  override readonly name = "sq"
  #secret?: number = 9
  optional?: string
  public constructor(side: number) { super(); this.side = side }
  public override area(): number { return this.side ** 2 }
  public get secret(): number { return this.#secret! }
  private static helper<U>(u: U): U { return u }
  *[Symbol.iterator](): Iterator<number> { yield Sq.helper<number>(this.side) }
}
const s = new Sq(3)
return [s.describe(), s.secret, [...s], Shape.made, "optional" in s, s.optional]`,
      js: `class Shape {
  name = "shape"
  static count = 0
  static made = []
  describe() { return \`\${this.name}:\${this.area()}\` }
  constructor() { Shape.count++; Shape.made.push(String(Shape.count)) }
}
class Sq extends Shape {
  side
  name = "sq"
  #secret = 9
  optional
  constructor(side) { super(); this.side = side }
  area() { return this.side ** 2 }
  get secret() { return this.#secret }
  static helper(u) { return u }
  *[Symbol.iterator]() { yield Sq.helper(this.side) }
}
const s = new Sq(3)
return [s.describe(), s.secret, [...s], Shape.made, "optional" in s, s.optional]`,
      expected: ["sq:9", 9, [3], ["1"], true, undefined],
    },
    {
      name: "arrow function return types (single and multi-line), async, generic arrows",
      ts: `const add = (a: number, b: number): number => a + b
const obj = (a: number): {
  x: number
  y: number
} => ({ x: a, y: a * 2 })
const none = (): void => {}
const twoLine = (
  a: number,
): number[] => [a]
const later = async (v: number): Promise<number> => v * 3
const gen = <T,>(v: T): T[] => [v, v]
const pred = (v: unknown): v is number => typeof v === "number"
const noParens = async <T>(): Promise<T | undefined> => undefined
return [add(1, 2), obj(2), none(), twoLine(4), await later(2), gen("g"), pred(1), await noParens()]`,
      js: `const add = (a, b) => a + b
const obj = (a) => ({ x: a, y: a * 2 })
const none = () => {}
const twoLine = (a) => [a]
const later = async (v) => v * 3
const gen = (v) => [v, v]
const pred = (v) => typeof v === "number"
const noParens = async () => undefined
return [add(1, 2), obj(2), none(), twoLine(4), await later(2), gen("g"), pred(1), await noParens()]`,
      expected: [3, { x: 2, y: 4 }, undefined, [4], 6, ["g", "g"], true, undefined],
    },
    {
      name: "type-only imports and exports",
      ts: `import type { Tensor } from "autograd-lens"
import type Default from "./types"
import { type Tensor as T2, torch } from "autograd-lens"
import { type Only } from "elsewhere"
export type { Tensor }
export { torch as t }
export const answer: number = 42
export function twice(v: number): number { return v * 2 }
export class K {}
let t: Tensor | T2 | Default | Only | undefined
export default answer
return [torch.name, answer, twice(answer), new K() instanceof K, t]`,
      js: `import { torch } from "autograd-lens"
const answer = 42
function twice(v) { return v * 2 }
class K {}
let t
return [torch.name, answer, twice(answer), new K() instanceof K, t]`,
      expected: ["torch", 42, 84, true, undefined],
    },
    {
      name: "objects, getters, generator methods, instantiation expressions",
      ts: `const o = {
  v: 2 as number,
  get double(): number { return this.v * 2 },
  set double(d: number) { this.v = d / 2 },
  m<T>(a: T): [T, number] { return [a, this.v] },
  *it(): Generator<number, void, unknown> { yield 1 },
}
o.double = 10
const fn = Array.of<number>
return [o.double, o.m<string>("s"), [...o.it()], fn(1, 2)]`,
      js: `const o = {
  v: 2,
  get double() { return this.v * 2 },
  set double(d) { this.v = d / 2 },
  m(a) { return [a, this.v] },
  *it() { yield 1 },
}
o.double = 10
const fn = Array.of
return [o.double, o.m("s"), [...o.it()], fn(1, 2)]`,
      expected: [10, ["s", 5], [1], [1, 2]],
    },
  ];

  for (const c of corpus) {
    it(c.name, async () => {
      const ts = await run(c.ts);
      const js = await run(c.js, { language: "javascript" });
      expect(ts.result).toEqual(c.expected);
      expect(js.result).toEqual(ts.result);
      checkLayout(c.ts, ts.script);
      expect(checkIdentifiers(c.ts, ts.script)).toBeGreaterThan(5);
    });
  }

  it("keeps columns: blanking never moves a character", () => {
    const src = `let a: number = 1, b: string = "s"\nfunction f<T>(x: T, y?: number): T { return x! }\nclass C implements I { private z: number = 0 }`;
    const script = prepare(src);
    const gen = lines(script.code);
    const body0 = gen[0].slice('(async () => { "use strict"; const __lensE = __lens.enter, __lensX = __lens.exit; '.length);
    // Line 1 has binds for non-literal values only: here none, so it is the source, blanked.
    expect(body0).toBe("let a         = 1, b         = \"s\"");
    // (The call markers are insertions inside the body: every character of the user's keeps its column.)
    expect(gen[1]).toBe("function f   (x   , y         )    {const __lensF=__lensE(0);try{ return x  }finally{__lensX(__lensF)}}");
    expect(gen[2]).toBe("class C              { ;       z         = 0 }");
  });

  it("ends a statement explicitly where a blanked type ended it (ASI)", async () => {
    const { result, script } = await run(`let x = [1, 2] as number[]
[0].forEach(() => {})
let y = 0
for (let i = 0; i < 2; i++) y = i as number
[1].forEach(() => { y += 10 })
class C {
  a: number
  ["b"]() { return 2 }
  c = y as number
  [Symbol.iterator]() { return [][Symbol.iterator]() }
}
return [x, y, new C().b()]`);
    expect(result).toEqual([[1, 2], 11, 2]);
    expect(lines(script.code)[0]).toContain('__lens.bind([1, 2]            , "x", 1, 5);');
  });

  it("strips a hashbang and parses with CRLF line ends", async () => {
    const { result, script } = await run("#!/usr/bin/env node\r\nconst a: number = 1\r\nreturn a + 1");
    expect(result).toBe(2);
    expect(script.toSource(2, 7)).toEqual({ line: 2, column: 7 });
  });

  it("refuses TypeScript syntax in JavaScript", () => {
    expect(refusal("const a: number = 1", "javascript")).toEqual({
      kind: "syntax",
      message: "Unexpected token",
      range: { line: 1, column: 8 },
    });
  });
});

describe("refusals", () => {
  it("enum, with the position of the keyword", () => {
    const e = refusal(`const a = 1;\n  enum Color { Red, Green }`);
    expect(e.kind).toBe("unsupported");
    expect(e.message).toMatch(/^enum is not supported in a snippet/);
    expect(e.message).toContain("const Color = { Red: 0, Green: 1 } as const;");
    expect(e.range).toMatchObject({ line: 2, column: 3 });
    expect(refusal("export const enum E { A }").range).toMatchObject({ line: 1, column: 8 });
  });

  it("runtime namespaces and modules", () => {
    const e = refusal(`type T = 1\nnamespace N {\n  export const x = 1\n}`);
    expect(e.kind).toBe("unsupported");
    expect(e.message).toMatch(/namespace with runtime code is not supported/);
    expect(e.range).toMatchObject({ line: 2, column: 1, endLine: 2 });
    expect(refusal(`module M { const y = 2 }`).kind).toBe("unsupported");
  });

  it("constructor parameter properties", () => {
    const e = refusal(`class A {\n  constructor(public readonly x: number, y: number) {}\n}`);
    expect(e).toMatchObject({ kind: "unsupported", range: { line: 2, column: 15 } });
    expect(e.message).toContain("declare the field in the class body and assign it in the constructor");
  });

  it("legacy decorators, import = require, export =", () => {
    expect(refusal(`function dec(c: unknown) { return c }\n@dec class A {}`)).toMatchObject({
      kind: "unsupported",
      range: { line: 2, column: 1 },
    });
    expect(refusal(`class A {\n  @dec m() {}\n}`)).toMatchObject({ kind: "unsupported", range: { line: 2, column: 3 } });
    const req = refusal(`import fs = require("fs")`);
    expect(req).toMatchObject({ kind: "unsupported", range: { line: 1, column: 1 } });
    expect(req.message).toContain('import { torch } from "autograd-lens"');
    expect(refusal(`const x = 1\nexport = x`)).toMatchObject({ kind: "unsupported", range: { line: 2, column: 1 } });
  });

  it("imports of anything but autograd-lens", () => {
    const e = refusal(`import { torch } from "autograd-lens";\n  import fs from "fs";`);
    expect(e).toEqual({
      kind: "import",
      message: 'Only "autograd-lens" can be imported in a snippet; "fs" is not available here.',
      range: { line: 2, column: 3, endLine: 2, endColumn: 23 },
    });
    expect(refusal(`import * as path from "node:path"`, "javascript")).toMatchObject({
      kind: "import",
      message: 'Only "autograd-lens" can be imported in a snippet; "node:path" is not available here.',
    });
    expect(refusal(`export { readFile } from "fs"`).kind).toBe("import");
  });

  it("dynamic import() and import.meta", () => {
    const e = refusal(`const x: number = 1;\nconst m = await import("fs");`);
    expect(e.kind).toBe("unsupported");
    expect(e.message).toMatch(/^Dynamic import\(\) is not supported in a snippet/);
    expect(e.range).toMatchObject({ line: 2, column: 17 });
    expect(refusal(`console.log(import.meta.url)`, "javascript")).toMatchObject({
      kind: "unsupported",
      range: { line: 1, column: 13 },
    });
  });

  it("accepts what needs no code: declare enum, type-only namespaces", async () => {
    const { result } = await run(`declare enum E { A }\nnamespace T { export type X = 1 }\nreturn 1`);
    expect(result).toBe(1);
  });
});

describe("syntax errors", () => {
  it("land on the user's line and column in TypeScript with annotations", () => {
    const src = `const a: number = 1;\nfunction f(x: number): number {\n  return x +* 2;\n}`;
    const e = refusal(src);
    expect(e).toEqual({ kind: "syntax", message: "Unexpected token", range: { line: 3, column: 13 } });
    expect(at(src, 3, 13, 1)).toBe("*");
  });

  it("report clean messages without acorn's (line:col) suffix", () => {
    const src = `const m: Map<string, number> = new Map<string, number>(;`;
    const e = refusal(src);
    expect(e.kind).toBe("syntax");
    expect(e.message).toBe("Unexpected token");
    expect(e.range).toEqual({ line: 1, column: 56 });
    expect(at(src, 1, 56, 1)).toBe(";");
    const e2 = refusal(`let s: string = "abc\n`);
    expect(e2).toEqual({ kind: "syntax", message: "Unterminated string constant", range: { line: 1, column: 17 } });
    const e3 = refusal(`const x: number = 1;\nconst x: number = 2;`);
    expect(e3).toMatchObject({ kind: "syntax", message: "Identifier 'x' has already been declared", range: { line: 2 } });
  });
});

describe("imports", () => {
  it("named, aliased, default, namespace and combinations become __lens.require", async () => {
    const src = `import { torch } from "autograd-lens";
import { torch as t, nn } from 'autograd-lens'
import al from "autograd-lens";
import * as ns from "autograd-lens";
import d, { nn as n2 } from "autograd-lens";
import d2, * as ns2 from "autograd-lens";
import {
  torch as multi,
  type Tensor,
} from "autograd-lens";
import "autograd-lens";
import {} from "autograd-lens"
(() => {})()
let ty: Tensor | undefined
return [torch, t, nn, al, ns, d, n2, d2, ns2, multi, ty]`;
    const { result, trace, script } = await run(src);
    const m = FAKE_MODULE;
    expect(result).toEqual([m.torch, m.torch, m.nn, m.default, m, m.default, m.nn, m.default, m, m.torch, undefined]);
    expect(trace.requires.map((r) => [r.spec, r.line, r.column])).toEqual([
      ["autograd-lens", 1, 1],
      ["autograd-lens", 2, 1],
      ["autograd-lens", 3, 1],
      ["autograd-lens", 4, 1],
      ["autograd-lens", 5, 1],
      ["autograd-lens", 5, 1],
      ["autograd-lens", 6, 1],
      ["autograd-lens", 6, 1],
      ["autograd-lens", 7, 1],
      ["autograd-lens", 11, 1],
      ["autograd-lens", 12, 1],
    ]);
    expect(lines(script.code)[0]).toBe('(async () => { "use strict"; const  { torch } = __lens.require("autograd-lens", 1, 1);');
    expect(script.topLevelNames).toEqual(["torch", "t", "nn", "al", "ns", "d", "n2", "d2", "ns2", "multi", "ty"]);
    checkLayout(src, script);
  });

  it("escapes line separators in generated JSON so lines never move", async () => {
    const src = 'const o = { "a\u2028b": [1] }\nconst { "a\u2028b": v } = o\nreturn v';
    const { result, trace, script } = await run(src);
    expect(result).toEqual([1]);
    // U+2028 ends a line for V8 and acorn, but not in the editor: positions are the editor's, so v is
    // on line 2 at column 16 (the U+2028 is one character of that line).
    expect(trace.patterns[0].pattern).toEqual({ object: [{ key: "a\u2028b", target: { name: "v", line: 2, column: 16 } }] });
    checkLayout(src, script);
  });

  it("require() stays a call to the sandbox's require", async () => {
    const { result, trace } = await run(`const fs = require("fs");\nreturn fs`, { language: "javascript" });
    expect(result).toEqual({ spec: "fs" });
    expect(trace.plainRequires).toEqual(["fs"]);
  });

  it("export keywords are blanked; export default runs as an expression", async () => {
    const { result } = await run(`export const a = 1
export let b = 2, c = 3
export function f() { return 4 }
export abstract class A { abstract m(): void }
export default { e: 5 }
export { a as x, b }
export * from "autograd-lens"
return [a, b, c, f(), typeof A]`);
    expect(result).toEqual([1, 2, 3, 4, "function"]);
  });
});

describe("name binding", () => {
  it("const, let, var and plain assignment bind at the identifier's position", async () => {
    const src = `const make = (v: number) => ({ v })
let a = make(1), b: { v: number } = make(2)
let c = make(3)
var d = (make(4), make(5))
let e
e = make(6)
c = b = make(7)
const lit = 8
const fn = function () {}
const arrow = () => 1
return [a.v, b.v, c.v, d.v, e.v, lit, fn.name, arrow.name]`;
    const { result, trace } = await run(src);
    expect(result).toEqual([1, 7, 7, 5, 6, 8, "fn", "arrow"]);
    const binds = trace.binds.map(({ name, line, column, value }) => [name, line, column, (value as { v: number }).v]);
    expect(binds).toEqual([
      ["a", 2, 5, 1],
      ["b", 2, 18, 2],
      ["c", 3, 5, 3],
      ["d", 4, 5, 5],
      ["e", 6, 1, 6],
      ["b", 7, 5, 7],
      ["c", 7, 1, 7],
    ]);
    for (const bd of trace.binds) expect(at(src, bd.line, bd.column, bd.name.length)).toBe(bd.name);
  });

  it("member assignments: this.w names w, obj.w names obj.w; compound assignments are left alone", async () => {
    const src = `class Layer {
  w: number[]
  b = [0]
  #g = [1]
  constructor() {
    this.w = [1, 2]
    this.#g = [2]
  }
}
const layer = new Layer()
const obj = { w: [0], k: [[0]] }
obj.w = [3]
obj.k[0] = [4]
obj["w"] = [5]
let n = 1
n += 2
n ||= 5
return [layer.w, obj.w, n]`;
    const { result, trace } = await run(src);
    expect(result).toEqual([[1, 2], [5], 3]);
    expect(trace.binds.map((x) => [x.name, x.line, x.column])).toEqual([
      ["b", 3, 3],
      ["#g", 4, 3],
      ["w", 6, 5],
      ["#g", 7, 5],
      ["layer", 10, 7],
      ["obj", 11, 7],
      ["obj.w", 12, 1],
      ["obj.k[0]", 13, 1],
      ['obj["w"]', 14, 1],
    ]);
  });

  it("destructuring declarations: array, object, nested, defaults, rest", async () => {
    const src = `const src = { values: [1, 2, 3], indices: [0], extra: { deep: [9] } }
const [a, , ...rest] = src.values
const { values: v, indices, extra: { deep: [d0] }, missing = [7], ...others } = src
return [a, rest, v, indices, d0, missing, others]`;
    const { result, trace } = await run(src);
    expect(result).toEqual([1, [3], [1, 2, 3], [0], 9, [7], {}]);
    expect(trace.patterns).toHaveLength(2);
    const [arr, obj] = trace.patterns;
    expect(arr.value).toEqual([1, 2, 3]);
    expect([arr.line, arr.column]).toEqual([2, 7]);
    expect(arr.pattern).toEqual({
      array: [{ name: "a", line: 2, column: 8 }, null, { rest: { name: "rest", line: 2, column: 16 } }],
    });
    expect([obj.line, obj.column]).toEqual([3, 7]);
    expect(obj.pattern).toEqual({
      object: [
        { key: "values", target: { name: "v", line: 3, column: 17 } },
        { key: "indices", target: { name: "indices", line: 3, column: 20 } },
        { key: "extra", target: { object: [{ key: "deep", target: { array: [{ name: "d0", line: 3, column: 45 }] } }] } },
        { key: "missing", target: { name: "missing", line: 3, column: 52, default: true } },
        { rest: { name: "others", line: 3, column: 70 } },
      ],
    });
    // The default value is bound where it is used.
    expect(trace.binds.map((x) => [x.name, x.line, x.column, x.value])).toEqual([
      ["src", 1, 7, { values: [1, 2, 3], indices: [0], extra: { deep: [9] } }],
      ["missing", 3, 52, [7]],
    ]);
    const names = (p: PatternDescriptor): string[] =>
      "name" in p
        ? [p.name]
        : "array" in p
          ? p.array.flatMap((e) => (e === null ? [] : "rest" in e ? names(e.rest) : names(e)))
          : p.object.flatMap((e) => ("rest" in e ? names(e.rest) : names(e.target)));
    for (const pb of trace.patterns) {
      const check = (p: PatternDescriptor): void => {
        if ("name" in p) expect(at(src, p.line, p.column, p.name.length)).toBe(p.name);
        else if ("array" in p) p.array.forEach((e) => e && check("rest" in e ? e.rest : e));
        else p.object.forEach((e) => check("rest" in e ? e.rest : e.target));
      };
      check(pb.pattern);
    }
    expect(names(obj.pattern)).toEqual(["v", "indices", "d0", "missing", "others"]);
  });

  it("destructuring assignment, computed keys, typed patterns", async () => {
    const src = `let a: number[] = [], b = [0]
const o = { w: [0] }
;[a, b] = [[1], [2]]
;({ w: o.w, b: a = [5] } = { w: [3] } as { w: number[]; b?: number[] })
const k = "key"
const { [k]: viaKey }: Record<string, number[]> = { key: [6] }
return [a, b, o.w, viaKey]`;
    const { result, trace } = await run(src);
    expect(result).toEqual([[5], [2], [3], [6]]);
    expect(trace.patterns.map((p) => [p.line, p.column, p.pattern])).toEqual([
      [3, 2, { array: [{ name: "a", line: 3, column: 3 }, { name: "b", line: 3, column: 6 }] }],
      [
        4,
        3,
        {
          object: [
            { key: "w", target: { name: "o.w", line: 4, column: 8 } },
            { key: "b", target: { name: "a", line: 4, column: 16, default: true } },
          ],
        },
      ],
      [6, 7, { object: [{ key: null, target: { name: "viaKey", line: 6, column: 14 } }] }],
    ]);
    expect(trace.binds.map((x) => x.name)).toEqual(["a", "b", "o", "a"]);
  });

  it("for-of and for-in heads are not wrapped; classic for initialisers are", async () => {
    const { result, trace } = await run(`const total = [0]
for (const x of [[1], [2]]) total[0] += x[0]
for (const k in { p: 1 }) total.push(k.length)
for (let i = [0]; i[0] < 2; i = [i[0] + 1]) total[0] += 10
return total`);
    expect(result).toEqual([23, 1]);
    expect(trace.binds.map((x) => [x.name, x.line, x.column])).toEqual([
      ["total", 1, 7],
      ["i", 4, 10],
      ["i", 4, 29],
      ["i", 4, 29],
    ]);
  });
});

describe("loop ticks", () => {
  it("every loop kind ticks once per iteration with its keyword's position", async () => {
    const src = `let s = 0
for (let i = 0; i < 3; i++) s += i
for (const v of [1, 2]) { s += v }
for (const k in { a: 1 }) s += k.length
let n = 2
while (n > 0) n--
do { n++ } while (n < 2)
async function* gen() { yield 1; yield 2 }
for await (const g of gen()) s += g
outer: for (const a of [1, 2]) {
  for (const b of [1, 2]) {
    if (b === 2) continue outer
    s += a * b
  }
}
do s++; while (false)
if (s) while (false);
return s`;
    const { result, trace, script } = await run(src);
    expect(result).toBe(3 + 3 + 1 + 3 + 3 + 1);
    const count = (k: number): number => trace.ticks.filter((t) => t === k).length;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(count)).toEqual([3, 2, 1, 2, 2, 2, 2, 4, 1, 0]);
    const keywords = ["for", "for", "for", "while", "do", "for", "for", "for", "do", "while"];
    expect(script.loops).toHaveLength(10);
    script.loops.forEach((l, k) => {
      expect(at(src, l.line, l.column, keywords[k].length)).toBe(keywords[k]);
      expect(l.endLine).toBe(l.line);
      expect(l.endColumn).toBe(l.column + keywords[k].length);
    });
    expect(script.loops[3]).toEqual({ line: 6, column: 1, endLine: 6, endColumn: 6 });
    expect(script.loops[7]).toEqual({ line: 11, column: 3, endLine: 11, endColumn: 6 });
    const gen = lines(script.code);
    expect(gen[1]).toBe("for (let i = 0; i < 3; i++) {__lens.tick(0); s += i}");
    expect(gen[2]).toBe("for (const v of [1, 2]) {__lens.tick(1); s += v }");
    expect(gen[6]).toBe("do {__lens.tick(4); n++ } while (n < 2)");
  });

  it("a loop in a function ticks on every call", async () => {
    const { trace } = await run(`function f(n: number): number { let t = 0; while (t < n) t++; return t }\nf(2); f(3)`);
    expect(trace.ticks).toEqual([0, 0, 0, 0, 0]);
  });
});

describe("call markers (folding by function call)", () => {
  it("named functions, arrows, methods enter and exit around each call; anonymous, async, generators, constructors do not", async () => {
    const src = `function layer(x: number, w: number): number {
  return inner(x * w);
}
function inner(v: number) { return v + 1; }
const sq = (v: number): number =>
  v * v;
const obj = (a: number) => ({ a });
class Block {
  k = 2;
  constructor() { this.k = 3; }
  apply(x: number) { return layer(x, this.k); }
  get twice() { return this.k * 2; }
  *gen() { yield 1; }
}
const h = async (x: number) => x;
const b = new Block();
const r = [1, 2].map((v) => sq(v));
return [layer(1, 2), b.apply(1), r, obj(4).a, b.twice, [...b.gen()], await h(5)];`;
    const { result, trace, script } = await run(src);
    expect(result).toEqual([3, 4, [1, 4], 4, 6, [1], 5]);
    // Order of evaluation: map's sq calls run first (r), then the returned array's calls.
    expect(trace.calls.join(" ")).toBe("+sq - +sq - +layer +inner - - +Block.apply(this) +layer +inner - - - +obj -");
    const marked = script.functions.filter((f) => f.marked).map((f) => `${f.name}@${f.range.line}`);
    expect(marked).toEqual(["layer@1", "inner@4", "sq@5", "obj@7", "Block.apply@11"]);
    expect(script.functions.filter((f) => !f.marked).map((f) => f.name)).toEqual(["Block.constructor", "Block.twice", "Block.gen", "h", ""]);
    checkLayout(src, script);
    expect(checkIdentifiers(src, script)).toBeGreaterThan(20);
  });

  it("exits on a throw and on an early return; an expression body on the next line still returns its value", async () => {
    const { result, trace } = await run(`function f(x: number) { if (x > 1) return "big"; throw new Error("small"); }
const g = (x: number) =>
  // a comment before the value
  (x
   + 1);
let caught = "";
try { f(0); } catch (e) { caught = (e as Error).message; }
return [f(2), caught, g(1)];`);
    expect(result).toEqual(["big", "small", 2]);
    expect(trace.calls.join(" ")).toBe("+f - +f - +g -");
  });
});

describe("positions", () => {
  it("toSource maps positions after insertions on the same line, and inside insertions", () => {
    const src = `const x: number = 1\nconst a = f(1), b = g(2); h(a)`;
    const script = prepare(src);
    const g = findGenerated(script, "g(2)");
    expect(script.toSource(g.line, g.column)).toEqual({ line: 2, column: 21 });
    const h = findGenerated(script, "h(a)");
    expect(script.toSource(h.line, h.column)).toEqual(find(src, "h(a)"));
    // Inside inserted text: the insertion point. `__lens` before g(2) → g; `"b"` → after g(2).
    const ins = findGenerated(script, "__lens", 1);
    expect(script.toSource(ins.line, ins.column + 3)).toEqual({ line: 2, column: 21 });
    const close = findGenerated(script, '"b"');
    expect(script.toSource(close.line, close.column)).toEqual({ line: 2, column: 25 });
    // The prefix maps to the start; the wrapper's last line to the end.
    expect(script.toSource(1, 3)).toEqual({ line: 1, column: 1 });
    expect(script.toSource(3, 2)).toEqual({ line: 2, column: 31 });
    // Along each line the map is monotonic, stays on the line, and reaches every user column.
    const gl = lines(script.code);
    const sl = lines(src);
    for (let l = 0; l < sl.length; l++) {
      const reached = new Set<number>();
      let previous = 0;
      for (let c = 0; c < gl[l].length; c++) {
        const p = script.toSource(l + 1, c + 1);
        expect(p.line).toBe(l + 1);
        expect(p.column).toBeGreaterThanOrEqual(previous);
        previous = p.column;
        reached.add(p.column);
        if (gl[l][c] !== " " && p.column <= sl[l].length && reached.size > 1 && gl[l][c] === sl[l][p.column - 1]) {
          // A copied character maps onto itself.
          expect(sl[l][p.column - 1]).toBe(gl[l][c]);
        }
      }
      for (let c = 1; c <= sl[l].length; c++) expect(reached.has(c), `line ${l + 1} column ${c}`).toBe(true);
    }
  });

  it("maps a runtime error's stack frame back to the user's text", async () => {
    const src = `import { torch } from "autograd-lens"
const w: number = 1
const z = torch.name.length + (null as unknown as { fail(): number }).fail()`;
    const script = prepare(src);
    const trace = newTrace();
    const context = vm.createContext({ __lens: fakeLens(trace, FAKE_MODULE) });
    const promise = new vm.Script(script.code, { filename: "snippet.ts" }).runInContext(context) as Promise<unknown>;
    const error = await promise.then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/fail/);
    const frame = /snippet\.ts:(\d+):(\d+)/.exec(error?.stack ?? "");
    expect(frame).not.toBeNull();
    const pos = script.toSource(Number(frame?.[1]), Number(frame?.[2]));
    expect(pos.line).toBe(3);
    expect(at(src, pos.line, pos.column, 4)).toBe("fail");
  });
});

describe("the textbook example", () => {
  const path = join(__dirname, "../../examples/autograd-basics.ts");
  const src = readFileSync(path, "utf8");

  it("prepares, runs on the engine, and binds x1…x7 at their declarations", async () => {
    const { trace, script } = await run(src, { module: engine });
    const expected = ["x1", "x2", "x3", "x5", "x4", "x6", "x7"].map((name) => {
      const p = find(src, `const ${name} =`);
      return [name, p.line, p.column + 6];
    });
    expect(trace.binds.map((b) => [b.name, b.line, b.column])).toEqual(expected);
    expect(expected.slice(0, 3)).toEqual([
      ["x1", 5, 7],
      ["x2", 6, 7],
      ["x3", 8, 7],
    ]);
    for (const b of trace.binds) expect(b.value).toBeInstanceOf(engine.Tensor);
    const x7 = trace.binds[6].value as InstanceType<typeof engine.Tensor>;
    expect(x7.item()).toBeCloseTo(-3.4, 5);
    // console.log(x1.grad?.toString()) and the same for x2: torch's printout of 0.8.
    const grads = trace.logs.filter((l) => typeof l[0] === "string" && l[0].startsWith("torch_tensor\n0.8000"));
    expect(grads).toHaveLength(2);
    const rows = trace.logs.filter((l) => l[0] === "x3.grad" || l[0] === "x5.grad");
    expect(rows.map((r) => [r[1], r[3]])).toEqual([["0.2000", "0.2000"], ["1.0000", "1.0000"]]);
    const last = trace.logs[trace.logs.length - 1];
    expect(last[0]).toBe("grad_fn");
    expect(last[1]).toMatch(/^PowBackward0, PowBackward0, MulBackward\d, MulBackward\d, SubBackward1$/);
    expect(trace.requires).toEqual([{ spec: "autograd-lens", line: 3, column: 1 }]);
    expect(script.topLevelNames).toEqual(["torch", "x1", "x2", "x3", "x5", "x4", "x6", "x7", "g"]);
    expect(script.loops).toEqual([]);
    checkLayout(src, script);
    checkIdentifiers(src, script);
  });

  it("prepared output is plain JavaScript", () => {
    const script = prepare(src);
    expect(() => Parser.parse(script.code, { ecmaVersion: 2022, sourceType: "script" })).not.toThrow();
  });
});
