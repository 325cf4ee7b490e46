import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import { findPythonLensAnchors, importsTorch, maskPython } from "../../extension/text-scan-python";
import { runLanguage } from "../../extension/sync";

describe("importsTorch", () => {
  it.each([
    ["import torch", true],
    ["import torch.nn as nn", true],
    ["import numpy as np, torch", true],
    ["from torch import nn", true],
    ["from torch.nn import functional as F", true],
    ["if True:\n    import torch", true],
    ["import torchvision", false],
    ["from torchvision import models", false],
    ["# import torch", false],
    ['s = """\nimport torch\n"""', false],
    ["x = 'import torch'", false],
    ["", false],
  ])("%j → %s", (text, expected) => {
    expect(importsTorch(text)).toBe(expected);
  });
});

describe("maskPython", () => {
  it("blanks comments and strings (triple-quoted, escaped quotes) and keeps every offset and line", () => {
    const src = "a = 1  # x.backward()\nb = 'y.backward()'\nc = \"\"\"z\n.backward()\"\"\"\nd = \"q\\\".backward()\"\ne.backward()\n";
    const masked = maskPython(src);
    expect(masked.length).toBe(src.length);
    expect(masked.split("\n").length).toBe(src.split("\n").length);
    expect(masked.match(/\.backward\(/g)).toHaveLength(1);
    expect(masked.split("\n")[5]).toBe("e.backward()");
  });
});

describe("findPythonLensAnchors", () => {
  it("the top of the file and each line with a backward call, at its indentation", () => {
    const src = fs.readFileSync("test/runner/python/training_loop.py", "utf8");
    const lines = src.split("\n");
    const backwardLine = lines.findIndex((l) => l.includes("loss.backward()"));
    expect(findPythonLensAnchors(src)).toEqual([
      { line: 0, character: 0, kind: "file" },
      { line: backwardLine, character: 4, kind: "backward" },
    ]);
    expect(findPythonLensAnchors("import numpy\nx.backward()\n")).toEqual([]);
    expect(findPythonLensAnchors("import torch\ntorch.autograd.backward([y])  # also\n# z.backward()\n").map((a) => a.line)).toEqual([0, 1]);
  });

  it("Python documents are runnable", () => {
    expect(runLanguage("python")).toBe("python");
    expect(runLanguage("ruby")).toBeUndefined();
  });
});
