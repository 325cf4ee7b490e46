// A small inline SVG line plot of the loss per backward call (shown when there are two or more),
// with the current call marked; a click picks the nearest call. Keyboard users pick calls with the
// stepper's call picker, so the plot itself is a labelled image.
import type { GraphSnapshot } from "../shared/protocol";
import { el, setChildren, svg } from "./dom";
import { formatNumber } from "./format";
import { losses } from "./model";

const WIDTH = 260;
const HEIGHT = 92;
const PAD = { left: 44, right: 10, top: 10, bottom: 20 };

export interface LossPlotOptions {
  onPick(call: number): void;
}

export class LossPlot {
  readonly element: HTMLElement;
  private readonly plot: SVGSVGElement;
  private readonly caption: HTMLElement;
  private points: Array<{ call: number; loss: number; x: number; y: number }> = [];
  private marker: SVGCircleElement | undefined;
  private guide: SVGLineElement | undefined;

  constructor(private readonly options: LossPlotOptions) {
    this.plot = svg("svg", { class: "loss-svg", viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: String(WIDTH), height: String(HEIGHT), role: "img" });
    this.plot.addEventListener("click", (e) => this.onClick(e));
    this.caption = el("div", { class: "loss-caption muted" });
    this.element = el("figure", { class: "loss-plot", hidden: true }, el("figcaption", { class: "pane-title" }, "Loss per call"), this.plot, this.caption);
  }

  setSnapshot(s: GraphSnapshot): void {
    const data = losses(s).filter((d) => Number.isFinite(d.loss));
    this.points = [];
    this.marker = undefined;
    this.guide = undefined;
    setChildren(this.plot);
    this.element.hidden = data.length < 2;
    if (data.length < 2) return;
    let lo = Math.min(...data.map((d) => d.loss));
    let hi = Math.max(...data.map((d) => d.loss));
    if (hi === lo) {
      hi += Math.abs(hi) * 0.05 || 1;
      lo -= Math.abs(lo) * 0.05 || 1;
    }
    const c0 = data[0]!.call;
    const c1 = data[data.length - 1]!.call;
    const x = (call: number) => PAD.left + ((call - c0) / Math.max(1, c1 - c0)) * (WIDTH - PAD.left - PAD.right);
    const y = (loss: number) => PAD.top + (1 - (loss - lo) / (hi - lo)) * (HEIGHT - PAD.top - PAD.bottom);
    this.points = data.map((d) => ({ ...d, x: x(d.call), y: y(d.loss) }));
    const axis = svg("g", { class: "axis" },
      svg("line", { x1: String(PAD.left), y1: String(PAD.top), x2: String(PAD.left), y2: String(HEIGHT - PAD.bottom) }),
      svg("line", { x1: String(PAD.left), y1: String(HEIGHT - PAD.bottom), x2: String(WIDTH - PAD.right), y2: String(HEIGHT - PAD.bottom) }),
      svg("text", { x: String(PAD.left - 4), y: String(PAD.top + 4), "text-anchor": "end" }, formatNumber(hi, 3)),
      svg("text", { x: String(PAD.left - 4), y: String(HEIGHT - PAD.bottom), "text-anchor": "end" }, formatNumber(lo, 3)),
      svg("text", { x: String(PAD.left), y: String(HEIGHT - 4), "text-anchor": "start" }, `call ${c0 + 1}`),
      svg("text", { x: String(WIDTH - PAD.right), y: String(HEIGHT - 4), "text-anchor": "end" }, `call ${c1 + 1}`),
    );
    const line = svg("polyline", { class: "loss-line", points: this.points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(" ") });
    const dots = this.points.length <= 60 ? svg("g", { class: "loss-dots" }, ...this.points.map((p) => svg("circle", { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: "2" }))) : null;
    this.guide = svg("line", { class: "loss-guide", y1: String(PAD.top), y2: String(HEIGHT - PAD.bottom) });
    this.marker = svg("circle", { class: "loss-current", r: "4.5" });
    setChildren(this.plot, axis, line, dots, this.guide, this.marker);
    const first = data[0]!.loss;
    const last = data[data.length - 1]!.loss;
    this.plot.setAttribute("aria-label", `Loss over ${data.length} backward calls, from ${formatNumber(first)} to ${formatNumber(last)}`);
  }

  /** Mark the call being stepped through. */
  setCurrent(call: number): void {
    if (!this.marker || !this.guide) return;
    const p = this.points.find((d) => d.call === call);
    this.marker.classList.toggle("none", !p);
    this.guide.classList.toggle("none", !p);
    if (!p) {
      this.caption.textContent = `call ${call + 1}: no loss`;
      return;
    }
    for (const [k, v] of [["cx", p.x], ["cy", p.y]] as const) this.marker.setAttribute(k, v.toFixed(1));
    this.guide.setAttribute("x1", p.x.toFixed(1));
    this.guide.setAttribute("x2", p.x.toFixed(1));
    this.caption.textContent = `call ${call + 1}: loss ${formatNumber(p.loss)}`;
  }

  private onClick(e: MouseEvent): void {
    if (!this.points.length) return;
    const rect = this.plot.getBoundingClientRect();
    const x = ((e.clientX - rect.left) / Math.max(1, rect.width)) * WIDTH;
    let best = this.points[0]!;
    for (const p of this.points) if (Math.abs(p.x - x) < Math.abs(best.x - x)) best = p;
    this.options.onPick(best.call);
  }
}
