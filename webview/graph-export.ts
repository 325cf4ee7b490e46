// The drawn scene as an SVG document of our own (from the layout's positions, not from cytoscape's
// canvas), with the current backward step marked: the same boxes, texts (box.ts) and colours as on screen.
import { BOX, centredText, tensorBoxTexts, type BoxText } from "./box";
import { renderSvg, type SvgEdge, type SvgNode, type SvgTextLine } from "./export-svg";
import { groupFrames, type Scene } from "./scene";
import type { Theme } from "./theme";
import type { ValueSummary } from "../shared/protocol";

export interface SceneSvgInput {
  scene: Scene | null;
  positions: Record<string, { x: number; y: number }>;
  theme: Theme;
  flow: "data" | "gradient";
  /** The grad a tensor box shows now (null: not known yet). */
  gradOf(id: string): ValueSummary | null;
  /** The current step: the node being run and the edges carrying gradient, with their labels. */
  current: { node: string | null; edges: Array<{ id: string; flow: string; incoming: boolean }> };
}

export function sceneSvg(o: SceneSvgInput): string {
  const { scene, theme: t } = o;
  if (!scene) return renderSvg({ background: t.background, nodes: [], edges: [] });
  const family = (f: BoxText["font"]) => (f === "mono" ? t.fontMono : t.fontUi);
  const line = (b: BoxText): SvgTextLine => ({
    text: b.text,
    color: t[b.tone],
    fontFamily: family(b.font),
    fontSize: b.size,
    bold: b.font === "name",
    at: { x: b.x, y: b.y, ...(b.center ? { center: true } : {}) },
  });
  const nodes: SvgNode[] = [];
  const index = new Map<string, number>();
  const frames = groupFrames(scene, (id) => {
    const d = scene.byId.get(id);
    const p = o.positions[id];
    return d && p ? { x: p.x, y: p.y, width: d.width, height: d.height } : undefined;
  });
  for (const [id, f] of frames) {
    const grp = scene.groups.get(id)!;
    nodes.push({
      x: (f.x1 + f.x2) / 2,
      y: (f.y1 + f.y2) / 2,
      width: f.x2 - f.x1,
      height: f.y2 - f.y1,
      shape: "group",
      fill: t.groupFill,
      stroke: t.groupBorder,
      strokeWidth: 1,
      dashed: true,
      lines: [{ text: grp.label, color: t.muted, fontFamily: t.fontMono, fontSize: BOX.groupFont }],
      align: "left",
    });
  }
  const stepNode = o.current.node;
  for (const d of scene.nodes) {
    const p = o.positions[d.id];
    if (!p) continue;
    index.set(d.id, nodes.length);
    const isStep = d.id === stepNode;
    const base = { x: p.x, y: p.y, width: d.width, height: d.height, title: d.label };
    if (d.kind === "collapsed") {
      // Its label, then its output's value and grad (box.ts's GROUP_BOX_LINES).
      const lines = d.box ? tensorBoxTexts(d.box, o.gradOf(d.id)).filter((b) => b.text).map(line) : [];
      nodes.push({ ...base, shape: "box", fill: t.groupFill, stroke: t.muted, strokeWidth: 1.5, dashed: true, lines, align: "left" });
    } else if (d.kind === "op") {
      nodes.push({
        ...base,
        shape: "pill",
        fill: t.opFill,
        stroke: isStep ? t.step : t.opBorder,
        strokeWidth: isStep ? 3.5 : t.borderWidth,
        lines: [line(centredText("op", d.label))],
        align: "center",
      });
    } else if (d.box) {
      const stroke = isStep ? t.step : d.kind === "leaf" ? t.leaf : d.kind === "output" ? t.output : t.boxBorder;
      nodes.push({
        ...base,
        shape: "box",
        fill: t.boxFill,
        stroke,
        strokeWidth: isStep ? 3.5 : d.kind === "intermediate" ? t.borderWidth : t.borderWidth + 0.8,
        lines: tensorBoxTexts(d.box, o.gradOf(d.id)).filter((b) => b.text).map(line),
        align: "left",
      });
    }
  }
  const flowOf = new Map(o.current.edges.map((e) => [e.id, { label: e.flow, incoming: e.incoming }]));
  const edges: SvgEdge[] = [];
  for (const e of scene.edges) {
    const s = index.get(e.source);
    const tg = index.get(e.target);
    if (s === undefined || tg === undefined) continue;
    const f = flowOf.get(e.id);
    if (f) {
      edges.push({ source: s, target: tg, color: t.step, width: f.incoming ? 1.8 : 2.5, dashed: true, arrow: "source", label: f.label, labelFontFamily: t.fontMono, labelFontSize: BOX.textSize });
    } else {
      edges.push({ source: s, target: tg, color: t.edge, width: 1.3, arrow: o.flow === "gradient" ? "source" : "target" });
    }
  }
  return renderSvg({ background: t.background, nodes, edges, title: "Autograd Lens graph" });
}
