// Step controls for the backward pass: first / previous / play-pause / next / last, a speed, a
// seekable progress bar ("step k of N"), a picker for the backward call when the snippet made
// several, and the chain-rule panel of the current step. Keyboard: ←/→ step, Home/End, Space
// plays or pauses (when focus is not in a text field). The stepper only asks for positions; the
// app replays and redraws.
import type { BackwardCallInfo, GraphSnapshot, StepPosition } from "../shared/protocol";
import { el, isTyping, setChildren, setText, svg } from "./dom";
import { formatCount, formatNumber } from "./format";
import type { ChainRule, ReplayState } from "./model";

export const SPEEDS = [0.5, 1, 2, 4] as const;
export type Speed = (typeof SPEEDS)[number];

/** Milliseconds per step at 1×. */
const BASE_INTERVAL = 900;

export interface StepperOptions {
  onPosition(p: StepPosition): void;
  onSpeed?(speed: Speed): void;
}

export class Stepper {
  /** Buttons, progress and call picker. */
  readonly controls: HTMLElement;
  /** The chain-rule text of the current step. */
  readonly rule: HTMLElement;

  private readonly first: HTMLButtonElement;
  private readonly prev: HTMLButtonElement;
  private readonly play: HTMLButtonElement;
  private readonly next: HTMLButtonElement;
  private readonly last: HTMLButtonElement;
  private readonly speedSelect: HTMLSelectElement;
  private readonly progress: HTMLInputElement;
  private readonly progressText: HTMLElement;
  private readonly callPicker: HTMLSelectElement;
  /** The call picker's row (the app adds its "All calls" toggle). */
  readonly callRow: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly ruleTitle: HTMLElement;
  private readonly ruleLines: HTMLElement;

  private s: GraphSnapshot | undefined;
  private position: StepPosition = { call: 0, step: 0 };
  private total = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private speed: Speed = 1;

  constructor(private readonly options: StepperOptions) {
    const button = (label: string, icon: keyof typeof ICONS, onClick: () => void, cls: string) =>
      el("button", { type: "button", class: `icon-button ${cls}`, title: label, "aria-label": label, on: { click: onClick } }, iconSvg(icon));
    this.first = button("First step (Home)", "first", () => this.go(0), "first");
    this.prev = button("Previous step (←)", "prev", () => this.go(this.position.step - 1), "prev");
    this.play = button("Play (Space)", "play", () => this.togglePlay(), "play");
    this.next = button("Next step (→)", "next", () => this.go(this.position.step + 1), "next");
    this.last = button("Last step (End)", "last", () => this.go(this.total), "last");
    this.speedSelect = el(
      "select",
      { class: "speed", "aria-label": "Playback speed", title: "Playback speed", on: { change: () => this.setSpeed(Number(this.speedSelect.value) as Speed) } },
      ...SPEEDS.map((sp) => el("option", { value: String(sp) }, `${sp}×`)),
    );
    this.speedSelect.value = "1";
    this.progress = el("input", {
      type: "range",
      class: "progress",
      min: "0",
      max: "0",
      step: "1",
      value: "0",
      "aria-label": "Backward step",
      on: { input: () => this.go(Number(this.progress.value)) },
    });
    this.progressText = el("span", { class: "progress-text", "aria-hidden": "true" });
    this.callPicker = el("select", {
      class: "call-picker",
      id: "call-picker",
      title: "Backward call (PageUp / PageDown)",
      on: { change: () => this.pickCall(Number(this.callPicker.value)) },
    });
    this.callRow = el("div", { class: "call-row" }, el("label", { for: "call-picker" }, "Call"), this.callPicker);
    this.notes = el("div", { class: "stepper-notes muted" });
    const keys = el(
      "div",
      { class: "key-hints", "aria-hidden": "true" },
      ...["←", "→", "Space", "Home", "End"].map((k) => el("kbd", null, k)),
    );
    this.controls = el(
      "section",
      { class: "stepper", "aria-label": "Backward pass steps" },
      el("div", { class: "step-buttons", role: "group", "aria-label": "Step controls" }, this.first, this.prev, this.play, this.next, this.last, this.speedSelect),
      el("div", { class: "progress-row" }, this.progress),
      el("div", { class: "progress-info" }, this.progressText, keys),
      this.callRow,
      this.notes,
    );
    this.ruleTitle = el("h2", { class: "rule-title" });
    this.ruleLines = el("div", { class: "rule-lines" });
    this.rule = el("section", { class: "chain-rule", "aria-label": "Chain rule of the current step", "aria-live": "polite" }, this.ruleTitle, this.ruleLines);
  }

  setSnapshot(s: GraphSnapshot): void {
    this.pause();
    this.s = s;
    const calls = s.backward;
    setChildren(this.callPicker, ...calls.map((c) => el("option", { value: String(c.index) }, callLabel(c, calls.length))));
    this.callRow.hidden = calls.length < 2;
    this.controls.classList.toggle("no-calls", calls.length === 0);
  }

  /** Show a replay state (called by the app after every position change). */
  show(r: ReplayState): void {
    this.position = r.position;
    this.total = r.total;
    const calls = this.s?.backward ?? [];
    const k = r.position.step;
    this.progress.max = String(r.total);
    this.progress.value = String(k);
    this.progress.disabled = r.total === 0;
    this.progress.setAttribute("aria-valuetext", `step ${k} of ${r.total}`);
    this.progress.style.setProperty("--progress", r.total ? `${(100 * k) / r.total}%` : "0%");
    setText(this.progressText, calls.length ? `step ${k} of ${r.total}` : "no backward call");
    if (calls.length > 1) this.callPicker.value = String(r.position.call);
    this.first.disabled = this.prev.disabled = k === 0;
    this.next.disabled = this.last.disabled = k >= r.total;
    this.play.disabled = r.total === 0;
    const notes: string[] = [];
    if (r.call?.stepsTruncated) {
      notes.push(
        r.total === 0
          ? "This call's steps were not kept (the latest calls keep theirs): its graph and gradients are shown, not its steps."
          : `Steps past ${formatCount(r.total)} were not recorded (the pass itself ran).`,
      );
    }
    if (r.call?.error) notes.push(`This call failed: ${r.call.error}`);
    if (this.s?.backwardCallsDropped) notes.push(`${formatCount(this.s.backwardCallsDropped)} later calls were not recorded.`);
    setChildren(this.notes, ...notes.map((n) => el("div", null, n)));
    this.renderRule(r);
    if (k >= r.total && this.timer) this.pause();
  }

  private renderRule(r: ReplayState): void {
    if (!r.call) {
      setText(this.ruleTitle, "No backward pass");
      setChildren(this.ruleLines, el("p", { class: "muted" }, "This snippet made no backward() or autograd.grad() call: call .backward() on a result to see the gradients flow."));
      return;
    }
    if (!r.current) {
      setText(this.ruleTitle, `Step 0 of ${r.total} · before backward()`);
      const root = r.call.roots.map((id) => this.s?.tensors.find((t) => t.id === id)?.label ?? id).join(", ");
      setChildren(
        this.ruleLines,
        el("p", { class: "muted" }, `Nothing has run yet. Step forward (→) to run ${r.call.kind === "grad" ? "autograd.grad" : "backward"} on ${root} one grad_fn at a time, in the engine's order.`),
      );
      return;
    }
    const rule: ChainRule = r.current.rule;
    setText(this.ruleTitle, rule.title);
    const done =
      r.position.step >= r.total
        ? el("p", { class: "muted rule-done" }, `${r.call.kind === "grad" ? "autograd.grad" : "backward()"} has finished: the graph shows every gradient it computed. Home goes back to before it ran; ← steps back one node.`)
        : null;
    setChildren(this.ruleLines, ...rule.lines.map(ruleLine), done);
  }

  /** ←/→/Home/End/Space anywhere but in a text field; returns true when handled. */
  handleKey(e: KeyboardEvent): boolean {
    if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || !this.s?.backward.length) return false;
    const target = e.target as HTMLElement | null;
    // Space and Enter on a focused button or link belong to that control.
    if (e.key === " " && target?.closest("button, a, summary, [role=treeitem], [role=menuitem]")) return false;
    switch (e.key) {
      case "ArrowRight":
        this.pause();
        this.go(this.position.step + 1);
        return true;
      case "ArrowLeft":
        this.pause();
        this.go(this.position.step - 1);
        return true;
      case "Home":
        this.pause();
        this.go(0);
        return true;
      case "End":
        this.pause();
        this.go(this.total);
        return true;
      case "PageUp":
      case "PageDown": {
        // The previous or next backward call, as it ended.
        const calls = this.s.backward.length;
        const call = this.position.call + (e.key === "PageUp" ? -1 : 1);
        if (calls < 2 || call < 0 || call >= calls) return false;
        this.pickCall(call);
        return true;
      }
      case " ":
        this.togglePlay();
        return true;
      default:
        return false;
    }
  }

  get playing(): boolean {
    return this.timer !== undefined;
  }

  getSpeed(): Speed {
    return this.speed;
  }

  setSpeed(speed: Speed): void {
    if (!SPEEDS.includes(speed)) return;
    this.speed = speed;
    this.speedSelect.value = String(speed);
    this.options.onSpeed?.(speed);
    if (this.timer) {
      clearTimeout(this.timer);
      this.schedule();
    }
  }

  togglePlay(): void {
    if (this.timer) this.pause();
    else this.start();
  }

  pause(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.play.classList.remove("playing");
    this.play.setAttribute("aria-label", "Play (Space)");
    this.play.title = "Play (Space)";
    setChildren(this.play, iconSvg("play"));
  }

  private start(): void {
    if (this.total === 0) return;
    if (this.position.step >= this.total) this.go(0);
    this.play.classList.add("playing");
    this.play.setAttribute("aria-label", "Pause (Space)");
    this.play.title = "Pause (Space)";
    setChildren(this.play, iconSvg("pause"));
    this.schedule();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.position.step >= this.total) {
        this.pause();
        return;
      }
      this.go(this.position.step + 1);
      if (this.position.step < this.total) this.schedule();
      else this.pause();
    }, BASE_INTERVAL / this.speed);
  }

  private go(step: number): void {
    const s = Math.max(0, Math.min(this.total, step));
    if (s === this.position.step) return;
    this.options.onPosition({ call: this.position.call, step: s });
  }

  /** Another call opens as it ended, like the first one shown (Home goes to its start). */
  private pickCall(call: number): void {
    this.pause();
    this.options.onPosition({ call, step: this.s?.backward[call]?.steps.length ?? 0 });
  }
}

/** 16×16 icons (paths in currentColor): no icon font, no glyphs a system may lack. */
const ICONS = {
  first: "M3 3h2v10H3zM13 3v10L6 8z",
  prev: "M12 3v10L5 8z",
  play: "M5 3v10l8-5z",
  pause: "M4 3h3v10H4zM9 3h3v10H9z",
  next: "M4 3v10l7-5z",
  last: "M11 3h2v10h-2zM3 3v10l7-5z",
} as const;

function iconSvg(name: keyof typeof ICONS): SVGSVGElement {
  return svg("svg", { class: "icon", viewBox: "0 0 16 16", width: "16", height: "16", "aria-hidden": "true", focusable: "false" }, svg("path", { d: ICONS[name] }));
}

function callLabel(c: BackwardCallInfo, count: number): string {
  const what = c.kind === "grad" ? "autograd.grad" : "backward";
  const parts = [`${c.index + 1} of ${count}: ${what}`];
  if (c.range) parts.push(`line ${c.range.line}`);
  if (c.loss !== undefined) parts.push(`loss ${formatNumber(c.loss)}`);
  if (c.error) parts.push("failed");
  return parts.join(" · ");
}

/**
 * One line of the chain-rule text with its gradients in the accent colour. The line's text is kept
 * exactly (the spans only wrap parts of it):
 *   incoming ∂f/∂y = G
 *   chain rule: ∂f/∂x = ∂f/∂y · ∂y/∂x = G · local = G'
 *   x.grad += G → x.grad = G'
 */
export function ruleLine(line: string): HTMLElement {
  const grad = (t: string) => el("span", { class: "grad-value" }, t);
  const out = el("div", { class: "rule-line" });
  const incoming = /^(incoming .*? = )(.+)$/.exec(line);
  const accumulate = /^(.+? \+= )(.+?)( \u2192 .+ = )(.+)$/.exec(line);
  if (incoming) {
    out.append(incoming[1]!, grad(incoming[2]!));
  } else if (accumulate) {
    out.append(accumulate[1]!, grad(accumulate[2]!), accumulate[3]!, grad(accumulate[4]!));
  } else if (line.startsWith("chain rule: ")) {
    const parts = line.split(" = ");
    if (parts.length === 4 && parts[2]!.includes(" · ")) {
      const [g, ...local] = parts[2]!.split(" · ");
      out.append(`${parts[0]} = ${parts[1]} = `, grad(g!), ` · ${local.join(" · ")} = `, grad(parts[3]!));
    } else if (parts.length >= 2) {
      out.append(`${parts.slice(0, -1).join(" = ")} = `, grad(parts[parts.length - 1]!));
    } else out.append(line);
  } else {
    out.append(line);
    if (line.startsWith("local ")) out.classList.add("local");
  }
  return out;
}
