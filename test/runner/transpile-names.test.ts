import { readFileSync } from "node:fs";
import { join } from "node:path";
import vm from "node:vm";
import { Parser } from "acorn";
import * as engine from "../../engine/index";
import { type PatternDescriptor } from "../../runner/transpile";
import { describe, expect, it } from "vitest";
import { FAKE_MODULE, prepare, newTrace, fakeLens, lines, at, find, findGenerated, checkLayout, checkIdentifiers, run } from "./transpile-harness";

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
