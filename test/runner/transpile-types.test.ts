import { describe, expect, it } from "vitest";
import { prepare, refusal, lines, checkLayout, checkIdentifiers, run } from "./transpile-harness";

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
