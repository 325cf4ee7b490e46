// Hostile and broken snapshots in the real page (Chromium): each one ends with the page in a known
// state (a clear banner naming what is wrong, or the graph drawn), never a hang, a blank panel or an
// error only in the console. The snapshots are hand-made; a snapshot reaches the page from the
// extension, from `trace --html`, or from a saved JSON file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import type { GraphSnapshot, SnapshotWire } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { launchBrowser, openSnapshot, settle, waitForExpression } from "./harness";

const summary = (shape: number[], values: number[]) => ({ shape, dtype: "float32" as const, numel: shape.reduce((a, b) => a * b, 1), values, truncated: false });

/** A small valid graph: leaf x (2×2), y = x * 2 through MulBackward0, and its AccumulateGrad. */
function good(): GraphSnapshot {
  return {
    version: 2, file: "/snippets/hostile.ts", language: "typescript", tracedAt: "2025-01-01T00:00:00.000Z", durationMs: 1,
    limits: { timeoutMs: 5000, nodeCap: 5000, valueCap: 1000, stepCap: 2000, memoryMb: 1024 },
    console: [], warnings: [],
    tensors: [
      { id: "t1", name: "x", label: "x", kind: "leaf", shape: [2, 2], dtype: "float32", value: summary([2, 2], [1, 2, 3, 4]), grad: null, requiresGrad: true, isLeaf: true, retainsGrad: false, gradFn: null },
      { id: "t2", name: "y", label: "y", kind: "output", shape: [2, 2], dtype: "float32", value: summary([2, 2], [2, 4, 6, 8]), grad: null, requiresGrad: true, isLeaf: false, retainsGrad: false, gradFn: "n1" },
    ],
    nodes: [
      { id: "n1", name: "MulBackward0", kind: "function", sequenceNr: 0, tensor: "t2", inputs: ["self"], formulas: ["grad * 2"], saved: [], released: false },
      { id: "n2", name: "AccumulateGrad", kind: "accumulate", sequenceNr: null, tensor: "t1", inputs: ["grad"], formulas: [], saved: [], released: false },
    ],
    edges: [{ from: "n1", to: "n2", index: 0, inputNr: 0 }],
    backward: [], nodesTruncated: false, output: "t2",
  };
}

/** The cases below break the snapshot as it travels (values in a base64 table, steps referring to it). */
const wire = (): SnapshotWire => JSON.parse(JSON.stringify(encodeSnapshot(good()))) as SnapshotWire;

const broken: Array<[string, (s: SnapshotWire) => unknown, RegExp]> = [
  ["a last dimension of 0 with values", (s) => ((s.values[0]!.shape = [2, 0]), s), /values\[0\]\.count: 4 is out of range \[0, 0\]/],
  ["a negative last dimension", (s) => ((s.values[0]!.shape = [-2, -2]), s), /values\[0\]\.shape\[0\]: -2 is out of range/],
  ["a shape of a billion rows", (s) => ((s.tensors[0]!.shape = [1e9, 1]), s), /tensors\[0\]\.shape: \[1000000000, 1\] has 1000000000 elements, but numel is 4/],
  ["tensors missing", (s) => ({ ...s, tensors: undefined }), /snapshot\.tensors: must be an array/],
  ["a node's name a number", (s) => ((s.nodes[0] as unknown as { name: number }).name = 5, s), /nodes\[0\]\.name: must be text/],
  ["an edge to a node that is not there", (s) => ((s.edges[0]!.to = "n99"), s), /edges\[0\]\.to: refers to a node that is not in the snapshot \("n99"\)/],
  ["version 999", (s) => ({ ...s, version: 999 }), /version 999 is not one this Autograd Lens reads \(it reads version 2\)/],
  ["version 1 (values as JSON lists)", (s) => ({ ...s, version: 1 }), /version 1 is not one this Autograd Lens reads \(it reads version 2\) \(version 1 carried values as JSON number lists/],
  ["almost nothing", () => ({ version: 2, file: "/x.ts", values: [] }), /snapshot\.limits: must be an object/],
  ["values that are not base64", (s) => ((s.values[0]!.data = "!!!!" + s.values[0]!.data.slice(4)), s), /values\[0\]\.data: is not base64/],
  ["values shorter than their count", (s) => ((s.values[0]!.data = s.values[0]!.data.slice(0, 8)), s), /values\[0\]\.data: has 8 base64 characters, but 4 float32 values take 24/],
  ["a value reference past the table", (s) => ((s.tensors[1]!.value = 99), s), /tensors\[1\]\.value: 99 is out of range \[0, 1\]/],
  ["a value reference that is text", (s) => (((s.tensors[1] as unknown as { value: string }).value = "0"), s), /tensors\[1\]\.value: must be an index into snapshot\.values, not string/],
];

describe("hostile snapshots in the page", () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it("a valid snapshot draws (the baseline the cases below differ from)", async () => {
    const p = await openSnapshot(browser, good());
    try {
      await waitForExpression(p.page, `document.querySelector("#app [data-state]")?.dataset.state === "ready" || document.querySelector("[data-state]")?.dataset.state === "ready"`);
      expect(await p.page.evaluate(`document.querySelector(".banner.error") === null`)).toBe(true);
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it.each(broken)("%s: a banner names the problem, the page does not hang", async (_name, mutate, message) => {
    const p = await openSnapshot(browser, mutate(wire()) as SnapshotWire);
    try {
      await waitForExpression(p.page, `document.querySelector("[data-state]")?.dataset.state === "invalid"`, 10_000);
      const banner = (await p.page.evaluate(`document.querySelector(".banner.error")?.textContent ?? ""`)) as string;
      expect(banner).toMatch(/^Invalid trace This trace cannot be shown: /);
      expect(banner).toMatch(message);
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it("a 2,000-character name: the page draws it without errors (the graph view cuts long names)", async () => {
    const s = good();
    const long = "n".repeat(2000);
    s.tensors[0]!.name = long;
    s.tensors[0]!.label = long;
    const p = await openSnapshot(browser, s, { width: 700, height: 800 });
    try {
      await waitForExpression(p.page, `document.querySelector("[data-state]")?.dataset.state === "ready"`);
      await settle(p.page);
      await p.page.screenshot({ path: process.env["LENS_SHOTS"] ? `${process.env["LENS_SHOTS"]}/long-name.png` : undefined });
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it("a last dimension of 0 in a valid (empty) tensor: the inspector shows it at once", async () => {
    const s = good();
    s.tensors[0]!.shape = [3, 0];
    s.tensors[0]!.value = { shape: [3, 0], dtype: "float32", numel: 0, values: [], truncated: false };
    const p = await openSnapshot(browser, s);
    try {
      await waitForExpression(p.page, `document.querySelector("[data-state]")?.dataset.state === "ready"`);
      expect(p.errors).toEqual([]);
    } finally {
      await p.close();
    }
  });
});
