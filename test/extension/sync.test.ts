import { beforeAll, describe, expect, it } from "vitest";
import { exportFileName, firstStepPosition, idAtPosition, INLINE_MAX_CHARS, inlineValueLabels, parseWebviewMessage, runLanguage, selectionLines, stepInfo } from "../../extension/sync";
import type { GraphSnapshot } from "../../shared/protocol";
import { columnOf, lineOf, textbook, trace } from "./helpers";

let s: GraphSnapshot;
beforeAll(async () => {
  s = await trace(textbook);
  expect(s.error).toBeUndefined();
});

const tensorId = (name: string) => s.tensors.find((t) => t.name === name)!.id;
const nodeName = (id: string | undefined) => s.nodes.find((n) => n.id === id)?.name;

describe("runLanguage / selectionLines", () => {
  it("maps language ids", () => {
    expect(runLanguage("typescript")).toBe("typescript");
    expect(runLanguage("javascript")).toBe("javascript");
    expect(runLanguage("typescriptreact")).toBeUndefined();
  });
  it("runs the selected lines, not the line a selection ends at the start of", () => {
    expect(selectionLines(undefined)).toBeUndefined();
    expect(selectionLines({ startLine: 3, startCharacter: 4, endLine: 3, endCharacter: 4 })).toBeUndefined();
    expect(selectionLines({ startLine: 3, startCharacter: 0, endLine: 3, endCharacter: 5 })).toEqual({ startLine: 4, endLine: 4 });
    expect(selectionLines({ startLine: 3, startCharacter: 0, endLine: 6, endCharacter: 0 })).toEqual({ startLine: 4, endLine: 6 });
    expect(selectionLines({ startLine: 3, startCharacter: 2, endLine: 6, endCharacter: 1 })).toEqual({ startLine: 4, endLine: 7 });
  });
});

describe("idAtPosition (editor cursor → graph selection)", () => {
  it("selects the tensor whose name the cursor is on", () => {
    const line = lineOf(textbook, "const x3 = x1.square()");
    expect(idAtPosition(s, line, columnOf(textbook, line, "x3"))).toBe(tensorId("x3"));
    expect(idAtPosition(s, line, columnOf(textbook, line, "x3") + 2)).toBe(tensorId("x3")); // just after the name
  });
  it("selects the op the cursor is on or after, on lines with several", () => {
    const line = lineOf(textbook, "const x7 = x5.add(x6).sub(5)");
    expect(nodeName(idAtPosition(s, line, columnOf(textbook, line, "add")))).toBe("AddBackward0");
    expect(nodeName(idAtPosition(s, line, columnOf(textbook, line, "x6")))).toBe("AddBackward0");
    expect(nodeName(idAtPosition(s, line, columnOf(textbook, line, "sub") + 1))).toBe("SubBackward1");
  });
  it("selects the bound tensor when the cursor is before any op, and leaves by their line", () => {
    const line = lineOf(textbook, "const x3 = x1.square()");
    expect(idAtPosition(s, line, 1)).toBe(tensorId("x3"));
    const leaf = lineOf(textbook, "const x1 = torch.tensor(2");
    expect(idAtPosition(s, leaf, 30)).toBe(tensorId("x1"));
  });
  it("selects nothing on lines that made nothing", () => {
    expect(idAtPosition(s, 1, 1)).toBeUndefined();
    expect(idAtPosition(s, lineOf(textbook, 'import { torch }'), 1)).toBeUndefined();
  });
});

describe("stepInfo / firstStepPosition", () => {
  it("starts at the first step of the first backward call", () => {
    expect(firstStepPosition(s)).toEqual({ call: 0, step: 1 });
    expect(firstStepPosition(s, lineOf(textbook, "x7.backward()"))).toEqual({ call: 0, step: 1 });
  });

  it("labels each step and gives the line of the node being run", () => {
    const steps = s.backward[0]!.steps;
    const first = stepInfo(s, { call: 0, step: 1 })!;
    expect(first.label).toBe(`◀ backward step 1/${steps.length} · SubBackward1 (x7)`);
    expect(first.range?.line).toBe(lineOf(textbook, "const x7 = "));
    const lines = steps.map((_, k) => stepInfo(s, { call: 0, step: k + 1 })!.range?.line);
    // every step has a line, and the highlight moves
    expect(lines.every((l) => typeof l === "number")).toBe(true);
    expect(new Set(lines).size).toBeGreaterThan(3);
  });

  it("puts an AccumulateGrad step on the line where its leaf was made", () => {
    const k = s.backward[0]!.steps.findIndex((st) => s.nodes.find((n) => n.id === st.node)?.kind === "accumulate");
    const info = stepInfo(s, { call: 0, step: k + 1 })!;
    expect(info.label).toMatch(/AccumulateGrad → x[12]\.grad$/);
    expect([lineOf(textbook, "const x1 = "), lineOf(textbook, "const x2 = ")]).toContain(info.range?.line);
  });

  it("puts step 0 on the backward call and knows no position without backward", async () => {
    const zero = stepInfo(s, { call: 0, step: 0 })!;
    expect(zero.range?.line).toBe(lineOf(textbook, "x7.backward()"));
    expect(zero.label).toContain("0/");
    expect(stepInfo(s, { call: 5, step: 1 })).toBeUndefined();
    const none = await trace('import { torch } from "autograd-lens";\nconst a = torch.ones(2, { requiresGrad: true }).sum();\n');
    expect(firstStepPosition(none)).toBeUndefined();
  });

  it("picks the backward call of a CodeLens's line", async () => {
    const src = [
      'import { torch } from "autograd-lens";',
      "const w = torch.tensor(3, { requiresGrad: true });",
      "w.square().backward();",
      "w.mul(2).backward();",
    ].join("\n");
    const two = await trace(src);
    expect(firstStepPosition(two, 4)).toEqual({ call: 1, step: 1 });
    expect(firstStepPosition(two, 3)).toEqual({ call: 0, step: 1 });
    expect(stepInfo(two, { call: 1, step: 1 })!.label).toContain("(call 2/2)");
  });
});

describe("inlineValueLabels", () => {
  it("labels the lines that bind tensors with value and grad", () => {
    const labels = inlineValueLabels(s);
    expect(labels.get(lineOf(textbook, "const x3 = ") - 1)).toBe("x3 = 4 · grad 0.2");
    expect(labels.get(lineOf(textbook, "const x1 = ") - 1)).toBe("x1 = 2 · grad 0.8");
    expect(labels.get(lineOf(textbook, "const x7 = ") - 1)).toBe("x7 = -3.4");
    expect(labels.has(lineOf(textbook, "x7.backward()") - 1)).toBe(false);
  });

  it("stays readable: grads go first, then the label is cut with …, never over the limit", () => {
    expect(inlineValueLabels(s, 14).get(lineOf(textbook, "const x3 = ") - 1)).toBe("x3 = 4");
    const cut = inlineValueLabels(s, 4).get(lineOf(textbook, "const x3 = ") - 1)!;
    expect(cut).toBe("x3 …");
    for (const label of inlineValueLabels(s).values()) expect(label.length).toBeLessThanOrEqual(INLINE_MAX_CHARS);
  });
});

describe("parseWebviewMessage", () => {
  it("accepts the protocol's messages", () => {
    expect(parseWebviewMessage({ type: "ready" })).toEqual({ type: "ready" });
    expect(parseWebviewMessage({ type: "reveal", range: { line: 3, column: 2 } })).toEqual({ type: "reveal", range: { line: 3, column: 2 } });
    expect(parseWebviewMessage({ type: "selected", id: null })).toEqual({ type: "selected", id: null });
    expect(parseWebviewMessage({ type: "selected", id: "t3", range: { line: 8, column: 15, endLine: 8, endColumn: 21 } })).toEqual({
      type: "selected",
      id: "t3",
      range: { line: 8, column: 15, endLine: 8, endColumn: 21 },
    });
    expect(parseWebviewMessage({ type: "positionChanged", position: { call: 0, step: 2 }, range: { line: 10, column: 15 } })).toEqual({
      type: "positionChanged",
      position: { call: 0, step: 2 },
      range: { line: 10, column: 15 },
    });
    const save = { type: "save", requestId: 7, format: "svg", fileName: "g.svg", data: "<svg/>", encoding: "utf8" };
    expect(parseWebviewMessage(save)).toEqual(save);
  });

  it("rejects anything else", () => {
    for (const bad of [
      null,
      "ready",
      { type: "nope" },
      { type: "reveal" },
      { type: "reveal", range: { line: 0, column: 1 } },
      { type: "reveal", range: { line: 1.5, column: 1 } },
      { type: "selected", id: 3 },
      { type: "positionChanged", position: { call: -1, step: 0 } },
      { type: "save", requestId: 1, format: "exe", fileName: "x", data: "", encoding: "utf8" },
      { type: "save", requestId: 1, format: "png", fileName: "x", data: "", encoding: "hex" },
    ]) {
      expect(parseWebviewMessage(bad)).toBeUndefined();
    }
  });
});

describe("exportFileName", () => {
  it("keeps a plain name and adds the extension", () => {
    expect(exportFileName("autograd-basics.svg", "svg")).toBe("autograd-basics.svg");
    expect(exportFileName("graph", "png")).toBe("graph.png");
  });
  it("drops folders and odd characters", () => {
    expect(exportFileName("../../etc/passwd", "json")).toBe("passwd.json");
    expect(exportFileName("C:\\x\\a<b>.dot", "dot")).toBe("a_b_.dot");
    expect(exportFileName("..", "svg")).toBe("autograd-graph.svg");
  });
});
