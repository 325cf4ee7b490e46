// The Landscape tab's Range box: from/to per input, the resolution list, and Equal scales (both
// axes of a contour plot at one scale, on by default when that still shows both inputs). It owns
// the ranges; the tab asks it for them when it computes a grid.
import { el, setChildren, type Child } from "./dom";
import { centredOn, defaultRange, equalRanges, equalScalesFit, hasEqualScales, type Range } from "./landscape-math";

export const RESOLUTIONS_2D = [21, 41, 61, 81, 101, 151, 201, 301, 401];
export const RESOLUTIONS_1D = [51, 101, 201, 401, 801, 1601];
export const DEFAULT_RES_2D = 61;
export const DEFAULT_RES_1D = 201;

export interface RangeHost {
  /** Ids of the inputs are unique per page: this prefix. */
  idPrefix: string;
  /** The Range box's rows and the resolution select (landscape-panel.ts made them). */
  rangeBox: HTMLElement;
  resSelect: HTMLSelectElement;
  /** The inputs on the axes now (their labels and traced values). */
  vary(): ReadonlyArray<{ label: string; value: number }>;
  /** Draw again with the ranges as they are. */
  compute(): void;
  error(text: string): void;
}

export class RangeControls {
  ranges: Range[] = [];
  private equalScales = false;
  private inputs: Array<{ lo: HTMLInputElement; hi: HTMLInputElement }> = [];

  constructor(private readonly host: RangeHost) {}

  /** The default ranges and resolution for the inputs on the axes now. */
  reset(recompute = true): void {
    const vary = this.host.vary();
    this.ranges = vary.map((c) => defaultRange(c.value));
    this.equalScales = vary.length === 2 && equalScalesFit(this.ranges);
    if (this.equalScales) this.ranges = equalRanges(this.ranges);
    const res = vary.length === 2 ? RESOLUTIONS_2D : RESOLUTIONS_1D;
    setChildren(this.host.resSelect, ...res.map((n) => el("option", { value: String(n) }, vary.length === 2 ? `${n} × ${n}` : `${n} points`)));
    this.host.resSelect.value = String(vary.length === 2 ? DEFAULT_RES_2D : DEFAULT_RES_1D);
    this.render();
    if (recompute) this.host.compute();
  }

  /** Keep ranges the user had (a new trace of the same snippet). */
  restore(ranges: Range[], res: string): void {
    this.ranges = ranges;
    this.host.resSelect.value = res;
    this.render();
  }

  /** Each range keeps its width and is centred on the point. */
  centreOn(point: readonly number[]): void {
    this.ranges = point.map((v, k) => centredOn(v, this.ranges[k]!));
    this.render();
    this.host.compute();
  }

  private render(): void {
    const vary = this.host.vary();
    const base = this.host.idPrefix;
    this.inputs = [];
    const rows: Child[] = [];
    vary.forEach((c, k) => {
      const input = (which: "lo" | "hi") =>
        el("input", {
          id: `${base}-r${k}-${which}`,
          type: "number",
          step: "any",
          value: String(this.ranges[k]![which]),
          "aria-label": `${c.label} ${which === "lo" ? "from" : "to"}`,
          on: { change: () => this.onInput() },
        });
      const lo = input("lo"), hi = input("hi");
      this.inputs.push({ lo, hi });
      rows.push(el("div", { class: "ls-row ls-range-row" }, el("span", { class: "ls-range-name", title: c.label }, c.label), lo, el("span", { class: "muted", "aria-hidden": "true" }, "to"), hi));
    });
    if (vary.length === 2) {
      const box = el("input", { id: `${base}-equal`, type: "checkbox", class: "ls-equal", on: { change: (e) => this.setEqualScales((e.target as HTMLInputElement).checked) } });
      box.checked = this.equalScales;
      rows.push(el("div", { class: "ls-row ls-check-row" }, box, el("label", { for: `${base}-equal` }, "Equal scales (−∇f at right angles to the contours)")));
    }
    setChildren(this.host.rangeBox, ...rows);
  }

  private setEqualScales(on: boolean): void {
    this.equalScales = on;
    if (!on) return;
    this.ranges = equalRanges(this.ranges);
    this.render();
    this.host.compute();
  }

  private onInput(): void {
    const next: Range[] = [];
    for (const [k, { lo, hi }] of this.inputs.entries()) {
      const a = Number(lo.value), b = Number(hi.value);
      if (lo.value === "" || hi.value === "" || !Number.isFinite(a) || !Number.isFinite(b) || !(b > a)) {
        this.host.error(`The range of ${this.host.vary()[k]?.label ?? "an input"} needs two numbers, "from" below "to".`);
        return;
      }
      next.push({ lo: a, hi: b });
    }
    this.ranges = next;
    // A range typed by hand wins over equal scales: the box follows what the ranges are.
    if (this.equalScales && !hasEqualScales(next)) {
      this.equalScales = false;
      const box = this.host.rangeBox.querySelector<HTMLInputElement>("input.ls-equal");
      if (box) box.checked = false;
    }
    this.host.compute();
  }
}
