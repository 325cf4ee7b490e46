// The spare child's warm-up (runner/child-warmup.ts) and the transpiler's safety net left to V8
// (prepareScript's verify option, verifyPrepared): the warm-up must go through the same paths as a
// real run (a snippet the transpiler accepts, a snapshot the strict validator accepts as it is), or
// it warms the wrong code; the safety net must still name a broken prepared script when asked.
import { describe, expect, it } from "vitest";
import { checkWire } from "../../shared/validate";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { WARMUP_LIMITS, WARMUP_SOURCE, sampleSnapshot, warmUp } from "../../runner/child-warmup";
import { encodeResult } from "../../runner/child-result";
import { prepareScript, verifyPrepared } from "../../runner/transpile";

describe("the spare child's warm-up", () => {
  it("transpiles its snippet with every construct it is meant to exercise", () => {
    const r = prepareScript(WARMUP_SOURCE, "typescript", "/warmup.ts");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.script.loops.length).toBe(3); // for, for-of, while
    expect(r.script.code).not.toMatch(/\binterface\b|: Tensor\b/); // types blanked
    expect(r.script.functions.length).toBeGreaterThan(2);
  });

  it("encodes a snapshot the strict validator takes as it is (not the repair path)", () => {
    const s = sampleSnapshot(WARMUP_LIMITS);
    const checked = checkWire(encodeSnapshot(s));
    expect(checked).toMatchObject({ ok: true });
    const line = JSON.parse(encodeResult(s)) as { type: string; snapshot: { tensors: unknown[]; nodes: unknown[]; backward: Array<{ steps: unknown[] }>; error?: unknown } };
    expect(line.type).toBe("result");
    expect(line.snapshot.error).toBeUndefined();
    expect([line.snapshot.tensors.length, line.snapshot.nodes.length, line.snapshot.backward[0]!.steps.length]).toEqual([3, 3, 3]);
  });

  it("never throws", () => {
    expect(() => warmUp(WARMUP_LIMITS, 1)).not.toThrow();
    expect(() => warmUp(WARMUP_LIMITS, 0)).not.toThrow();
  });
});

describe("the transpiler's safety net", () => {
  it("verify: false gives the same script without the second parse", () => {
    const src = `import { torch } from "autograd-lens";\nconst x: number = 1;\nfor (let i = 0; i < 2; i++) console.log(x + i);\n`;
    const a = prepareScript(src, "typescript", "/a.ts");
    const b = prepareScript(src, "typescript", "/a.ts", { verify: false });
    expect(a.ok && b.ok && a.script.code === b.script.code).toBe(true);
    if (a.ok) expect(verifyPrepared(a.script, "/a.ts")).toBeUndefined();
  });

  it("verifyPrepared names a prepared script that is not JavaScript, at the user's line", () => {
    const r = prepareScript(`const a = 1;\nconst b = 2;\n`, "javascript", "/b.js");
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // A transpiler mistake, simulated: the second line of the user's text breaks.
    const lines = r.script.code.split("\n");
    const i = lines.findIndex((l) => l.includes("const b"));
    lines[i] = lines[i]!.replace("const b", "const const");
    const broken = { ...r.script, code: lines.join("\n") };
    const error = verifyPrepared(broken, "/b.js");
    expect(error?.kind).toBe("internal");
    expect(error?.message).toMatch(/^The prepared script of \/b\.js does not parse \(.+\); please report this snippet\.$/);
    expect(error?.range?.line).toBe(2);
  });
});
