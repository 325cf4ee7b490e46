// Group frames on real programs, in Chromium: the gallery's module and helper-function examples are
// traced by the real runner and drawn by GraphView (a small esbuild entry, as in graph-view.test.ts);
// then, as every group is opened one after another, each frame — read back from what cytoscape drew
// (a compound node's box with its label), or from scene.ts's groupFrames for the canvas — holds all
// its members and no other box: the picture does not claim that a box belongs to a call it is not in.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { GraphSnapshot } from "../../shared/protocol";
import { bundleEntry, launchBrowser, traceSnippet } from "./harness";

vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const ENTRY = `
import { GraphView } from "./graph-view";
import { buildViewGraph } from "./model";
import { groupFrames } from "./scene";

const state = { view: null };
const overlaps = (a, b) => a.x1 < b.x2 - 0.5 && b.x1 < a.x2 - 0.5 && a.y1 < b.y2 - 0.5 && b.y1 < a.y2 - 0.5;
window.lens = {
  async open(snap, call) {
    state.view?.dispose();
    const container = document.getElementById("graph");
    container.replaceChildren();
    state.view = new GraphView({ container, direction: "auto", flow: "data", folding: true, onSelect() {}, onActivate() {} });
    await state.view.setGraph(call === null ? buildViewGraph(snap) : buildViewGraph(snap, call));
  },
  groups() { return state.view.groups(); },
  async toggle(id) { await state.view.toggleGroup(id); },
  drawnCount() { return state.view.drawnIds().length; },
  /** Every (frame, box) pair where the box is drawn on the frame but is not one of its members, and members outside. */
  check() {
    const v = state.view;
    const scene = v.scene;
    const bad = [];
    const boxes = [];
    const frames = [];
    if (v.cy) {
      for (const n of v.cy.nodes(".tensor, .op, .collapsed")) {
        const b = n.boundingBox({ includeLabels: false, includeOverlays: false });
        boxes.push({ id: n.id(), r: b, groups: n.ancestors(".group").map((a) => a.id()) });
      }
      for (const g of v.cy.nodes(".group")) {
        const b = g.boundingBox({ includeLabels: true, includeOverlays: false });
        frames.push({ id: g.id(), label: g.data("label"), r: b });
      }
    } else {
      const pos = v.positions;
      const box = (id) => { const d = scene.byId.get(id); const p = pos[id]; return d && p ? { x: p.x, y: p.y, width: d.width, height: d.height } : undefined; };
      for (const d of scene.nodes) {
        const b = box(d.id);
        const groups = [];
        for (let g = d.parent; g !== undefined; g = scene.groups.get(g)?.parent) groups.push(g);
        boxes.push({ id: d.id, r: { x1: b.x - b.width / 2, y1: b.y - b.height / 2, x2: b.x + b.width / 2, y2: b.y + b.height / 2 }, groups });
      }
      for (const [id, f] of groupFrames(scene, box)) frames.push({ id, label: scene.groups.get(id).label, r: f });
    }
    for (const f of frames) {
      for (const b of boxes) {
        const member = b.groups.includes(f.id);
        const inside = b.r.x1 >= f.r.x1 - 0.5 && b.r.x2 <= f.r.x2 + 0.5 && b.r.y1 >= f.r.y1 - 0.5 && b.r.y2 <= f.r.y2 + 0.5;
        if (member && !inside) bad.push(f.label + " does not hold its member " + b.id);
        if (!member && overlaps(b.r, f.r)) bad.push(f.label + " is drawn over " + (scene.byId.get(b.id)?.label ?? b.id) + ", which is not in it");
      }
    }
    return { frames: frames.length, boxes: boxes.length, bad, renderer: v.cy ? "cytoscape" : "canvas" };
  },
};
`;

interface GroupInfo {
  id: string;
  label: string;
  open: boolean;
  parent?: string;
}
interface Check {
  frames: number;
  boxes: number;
  bad: string[];
  renderer: string;
}

function lens<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(
    ([n, a]) => (globalThis as unknown as { lens: Record<string, (...x: unknown[]) => unknown> }).lens[n as string]!(...(a as unknown[])),
    [name, args] as const,
  ) as Promise<T>;
}

const HELPERS = `import { torch } from "autograd-lens";
torch.manualSeed(0);
const w1 = torch.randn([2, 4]).requiresGrad_();
const w2 = torch.randn([4, 1]).requiresGrad_();
const b = torch.zeros([1]).requiresGrad_();
function layer(x: torch.Tensor, w: torch.Tensor) {
  return x.matmul(w).tanh();
}
function net(x: torch.Tensor) {
  return layer(layer(x, w1), w2).add(b);
}
const mse = (p: torch.Tensor, y: torch.Tensor) => p.sub(y).square().mean();
const X = torch.randn([8, 2]);
const Y = torch.randn([8, 1]);
for (let step = 0; step < 5; step++) {
  const loss = mse(net(X), Y).add(w1.square().sum().mul(0.01));
  loss.backward();
  torch.noGrad(() => {
    for (const p of [w1, w2, b]) { p.sub_(p.grad!.mul(0.1)); p.grad!.zero_(); }
  });
}
`;

const PROGRAMS: Array<{ name: string; source: string; file: string }> = [
  { name: "modules-optimizer", source: fs.readFileSync("examples/modules-optimizer.ts", "utf8"), file: path.resolve("examples/modules-optimizer.ts") },
  { name: "small-cnn", source: fs.readFileSync("examples/small-cnn.ts", "utf8"), file: path.resolve("examples/small-cnn.ts") },
  { name: "a loop of helper functions (nested calls, shared weights)", source: HELPERS, file: path.resolve("helpers.ts") },
];

let browser: Browser;
let code: string;
const snapshots = new Map<string, GraphSnapshot>();

beforeAll(async () => {
  browser = await launchBrowser();
  code = await bundleEntry(ENTRY, "group-frames-entry.js");
  for (const p of PROGRAMS) {
    const s = await traceSnippet(p.source, p.file);
    expect(s.error, p.name).toBeUndefined();
    snapshots.set(p.name, s);
  }
});
afterAll(async () => {
  await browser?.close();
});

describe("group frames on real programs", () => {
  for (const p of PROGRAMS) {
    for (const [w, h, view] of [[700, 800, "last call"], [1400, 900, "last call"], [1400, 900, "all calls"]] as const) {
      it(`${p.name}, ${view} at ${w}×${h}: every frame holds its members and no other box, as every group opens`, async () => {
        const context = await browser.newContext({ viewport: { width: w, height: h } });
        const page = await context.newPage();
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>html,body{margin:0}#graph{width:${w - 20}px;height:${h - 20}px;margin:10px}</style></head><body><div id="graph"></div></body></html>`);
        await page.addScriptTag({ content: code });
        const snap = snapshots.get(p.name)!;
        await lens(page, "open", snap, view === "all calls" ? null : snap.backward.length - 1);
        let most = 0;
        // Open closed groups, outermost first, one at a time, checking each drawing.
        for (let round = 0; round < 12; round++) {
          const check = await lens<Check>(page, "check");
          expect(check.bad, `${p.name}, ${check.renderer}, after ${round} opened`).toEqual([]);
          most = Math.max(most, check.frames);
          const groups = await lens<GroupInfo[]>(page, "groups");
          const open = new Set(groups.filter((g) => g.open).map((g) => g.id));
          const next = groups.find((g) => !g.open && (g.parent === undefined || open.has(g.parent)));
          if (!next || (await lens<number>(page, "drawnCount")) > 300) break;
          await lens(page, "toggle", next.id);
        }
        // The programs have modules or calls: frames were drawn (nested ones too).
        expect(most).toBeGreaterThanOrEqual(2);
        expect(errors).toEqual([]);
        await context.close();
      });
    }
  }
});
