// User-defined autograd Functions through the sandboxed runner: each node gets its own class's
// forward/backward lines (even when two classes share a method's text, or a subclass inherits one),
// in JavaScript too, and a snippet that tampers with Function.prototype.toString or the class name
// cannot confuse or break the snapshot.
import { afterAll, describe, expect, it } from "vitest";
import * as path from "node:path";
import { SnippetRunner } from "../../runner/sandbox";
import { snapshotProblem } from "../../shared/validate";
import { encodeSnapshot } from "../../shared/snapshot-codec";

const runner = new SnippetRunner({ distDir: path.resolve("dist") });
afterAll(() => runner.dispose());
const run = (source: string, language: "typescript" | "javascript" = "typescript") =>
  runner.run({ source, language, fileName: `/snippets/custom.${language === "typescript" ? "ts" : "js"}` });

const TWINS = `import { torch } from "autograd-lens";
class Twice extends torch.autograd.Function {
  static forward(ctx, x) { return x.mul(2); }
  static backward(ctx, g) { return g.mul(2); }
}
class Again extends torch.autograd.Function {
  static forward(ctx, x) { return x.mul(2); }
  static backward(ctx, g) { return g.mul(2); }
}
class Child extends Again {}
const x = torch.tensor([1, 2], { requiresGrad: true });
const y = Twice.apply(x);
const z = Again.apply(y);
const w = Child.apply(z);
w.sum().backward();
`;

describe("custom autograd Functions in the snapshot", () => {
  it("each class's node points at its own forward and backward (JavaScript, shared text, inheritance)", async () => {
    const s = await run(TWINS, "javascript");
    expect(s.error).toBeUndefined();
    expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
    const node = (name: string) => s.nodes.find((n) => n.name === name)!;
    expect(node("TwiceBackward").userDefined).toEqual({ className: "Twice", forward: { line: 3, column: 10 }, backward: { line: 4, column: 10 } });
    expect(node("AgainBackward").userDefined).toEqual({ className: "Again", forward: { line: 7, column: 10 }, backward: { line: 8, column: 10 } });
    expect(node("ChildBackward").userDefined).toEqual({ className: "Child", forward: { line: 7, column: 10 }, backward: { line: 8, column: 10 } });
    expect(node("TwiceBackward").formulas).toEqual(["user-defined: Twice.backward at line 4"]);
    expect(s.tensors.find((t) => t.name === "x")!.grad!.values).toEqual([8, 8]);
  });

  it("a snippet that replaces Function.prototype.toString or names its class oddly changes nothing", async () => {
    const s = await run(`import { torch } from "autograd-lens";
Function.prototype.toString = () => "static backward(ctx, g) {";
class Odd extends torch.autograd.Function {
  static forward(ctx: unknown, x: torch.Tensor) { return x.exp(); }
  static backward(ctx: unknown, g: torch.Tensor) { return g; }
}
Object.defineProperty(Odd, "name", { value: "<img src=x onerror=alert(1)>" });
const x = torch.tensor([0.5], { requiresGrad: true });
Odd.apply(x).sum().backward();
`.replace(/torch\.Tensor/g, "any"));
    expect(s.error).toBeUndefined();
    expect(snapshotProblem(encodeSnapshot(s))).toBeUndefined();
    const n = s.nodes.find((x) => x.userDefined)!;
    expect(n.name).toBe("FunctionBackward");
    expect(n.userDefined!.forward?.line).toBe(4);
    expect(n.userDefined!.backward?.line).toBe(5);
  });

  it("errors in a custom backward are reported at the user's line", async () => {
    const s = await run(`import { torch } from "autograd-lens";
class Bad extends torch.autograd.Function {
  static forward(ctx: any, x: any) { return x.mul(2); }
  static backward(ctx: any, g: any) { return [g, g]; }
}
const x = torch.tensor([1], { requiresGrad: true });
Bad.apply(x).sum().backward();
`);
    expect(s.error?.kind).toBe("runtime");
    expect(s.error?.message).toContain("function BadBackward returned an incorrect number of gradients (expected 1, got 2)");
    expect(s.error?.range?.line).toBe(7);
  });
});
