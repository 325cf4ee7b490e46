// The backward calls of the record (runner/recorder-base.ts records, recorder.ts builds): each
// call's steps within the step cap and the step value budget; when a new call begins, the steps of
// the earlier ones keep summaries (and past EARLIER_STEPS the oldest keep none); at the node cap a
// long training loop leaves out the graphs of its oldest finished calls, and past
// MAX_BACKWARD_CALLS the last slot always holds the newest call, so the call the view opens at is
// whole and steppable.
import type { BackwardCallInfo, BackwardStepInfo, ValueSummary } from "../shared/protocol";
import type { BackwardBegin, BackwardStep, Node, Tensor } from "../engine/index";
import { SAMPLE_VALUES } from "../shared/value-codec";
import { EARLIER_STEPS, MAX_BACKWARD_CALLS, RecordingBase, STEP_VALUE_BUDGET, type NodeRecord } from "./recorder-base";

export abstract class CallRecording extends RecordingBase {
  /**
   * At the node cap, a training loop makes room for its newest iterations: the grad_fn nodes made
   * for the oldest finished backward calls (and the tensors they made) leave the record until at
   * most half the cap is left; those calls keep their loss and roots (the loss plot, the call
   * picker). False when there is nothing to leave out (one forward pass is over the cap).
   */
  protected evictEarlierCalls(): boolean {
    const begun = this.current ? this.callsBegun - 1 : this.callsBegun;
    if (begun <= 0 || this.live) return false;
    // What the newest call ran stays (a graph kept with retain_graph and run again is not "earlier").
    const newest = this.current ?? this.calls[this.calls.length - 1];
    const inUse = new Set(newest?.steps.map((st) => st.node));
    const evictable = (node: Node, r: NodeRecord): boolean => r.call !== undefined && !inUse.has(`n${node.id}`);
    const counts = new Map<number, number>();
    for (const [node, r] of this.nodes) if (evictable(node, r) && r.call! < begun) counts.set(r.call!, (counts.get(r.call!) ?? 0) + 1);
    let remaining = this.functionNodeCount;
    let below = 0;
    for (const c of [...counts.keys()].sort((a, b) => a - b)) {
      if (remaining <= this.options.limits.nodeCap / 2) break;
      remaining -= counts.get(c)!;
      below = c + 1;
    }
    if (below === 0) return false;
    const roots = new Set(this.calls.flatMap((c) => c.roots));
    const gone = new Set<string>();
    for (const [node, r] of this.nodes) {
      if (!evictable(node, r) || r.call! >= below) continue;
      this.nodes.delete(node);
      gone.add(`n${node.id}`);
      const t = r.tensor;
      if (t && this.tensors.get(t.id)?.t === t && !t.isLeaf && !roots.has(`t${t.id}`)) this.tensors.delete(t.id);
    }
    // Their calls' steps name those nodes: they go too (the calls keep their loss and roots).
    this.calls.forEach((c, i) => {
      if (!c.steps.some((st) => gone.has(st.node) || st.gradsOut.some((g) => g.to !== null && gone.has(g.to)))) return;
      if (i < this.summarizedCalls && i >= this.oldestWithSteps) this.earlierSteps -= c.steps.length;
      c.steps = [];
      c.stepsTruncated = true;
    });
    this.nodesEvicted += this.functionNodeCount - remaining;
    this.functionNodeCount = remaining;
    this.changes++;
    return true;
  }

  protected onBackwardBegin(info: BackwardBegin): void {
    this.summarizeEarlierCalls();
    this.callsBegun++;
    if (this.calls.length >= MAX_BACKWARD_CALLS) {
      // The last slot always holds the newest call (where the view opens); the ones it replaces are counted.
      const replaced = this.calls.pop()!;
      this.summarizedCalls = this.calls.length;
      if (this.oldestWithSteps <= this.calls.length) this.earlierSteps -= replaced.steps.length;
      this.oldestWithSteps = Math.min(this.oldestWithSteps, this.calls.length);
      this.callsDropped++;
    }
    const root = info.roots[0];
    let loss: number | undefined;
    if (root && root.numel() === 1) loss = root._values[0];
    const call: BackwardCallInfo = {
      index: this.calls.length,
      kind: info.kind,
      roots: info.roots.map((r) => `t${r.id}`),
      loss: loss !== undefined && Number.isFinite(loss) ? loss : undefined,
      range: this.here(),
      steps: [],
      stepsTruncated: false,
    };
    this.calls.push(call);
    this.current = call;
    this.changes++;
    if (call.range) this.lastOpRange = call.range;
  }

  protected onStep(step: BackwardStep): void {
    const call = this.current;
    if (!call) return;
    // The cap is per call, so the last call (where the view opens) is always steppable; earlier
    // calls are summarized when the next one begins (summarizeEarlierCalls).
    if (call.steps.length >= this.options.limits.stepCap) {
      call.stepsTruncated = true;
      return;
    }
    const node = step.node;
    this.ensureNode(node);
    const info: BackwardStepInfo = {
      index: step.index,
      node: `n${node.id}`,
      gradIn: this.summarize(step.gradIn, this.stepKeep(step.gradIn)),
      gradsOut: step.gradsOut.map((g, i) => {
        const to = node.nextFunctions[i]?.[0] ?? null;
        return { index: i, to: to ? `n${to.id}` : null, grad: g ? this.summarize(g, this.stepKeep(g)) : null };
      }),
    };
    // Values are copied now: leaf grads are later updated in place.
    if (step.leaf) {
      info.leaf = `t${step.leaf.id}`;
      if (step.leaf._grad) info.gradAfter = this.summarize(step.leaf._grad, this.stepKeep(step.leaf._grad));
    } else if (step.retained) {
      info.retained = `t${step.retained.id}`;
      if (step.retained._grad) info.gradAfter = this.summarize(step.retained._grad, this.stepKeep(step.retained._grad));
    }
    call.steps.push(info);
    this.changes++;
  }

  /** How many values of a step's gradient to keep: up to the value cap while the step budget lasts. */
  protected stepKeep(t: Tensor): number {
    const k = this.keepWithin(t, this.stepBytes, STEP_VALUE_BUDGET);
    this.stepBytes += k.bytes;
    return k.keep;
  }

  /**
   * A new backward call begins: the steps of the calls before it keep a summary of their values
   * (statistics and the first SAMPLE_VALUES), and past EARLIER_STEPS steps in all the oldest calls
   * keep none (their loss and roots stay, for the loss plot and the call picker).
   */
  protected summarizeEarlierCalls(): void {
    if (this.current !== null || this.summarizedCalls >= this.calls.length) return;
    const shrink = (v: ValueSummary | null | undefined) => {
      if (v && v.values.length > SAMPLE_VALUES) {
        v.values.length = SAMPLE_VALUES;
        v.truncated = true;
      }
    };
    for (; this.summarizedCalls < this.calls.length; this.summarizedCalls++) {
      const prev = this.calls[this.summarizedCalls]!;
      for (const st of prev.steps) {
        shrink(st.gradIn);
        for (const g of st.gradsOut) shrink(g.grad);
        shrink(st.gradAfter);
      }
      this.earlierSteps += prev.steps.length;
    }
    this.stepBytes = 0;
    while (this.earlierSteps > EARLIER_STEPS && this.oldestWithSteps < this.calls.length) {
      const old = this.calls[this.oldestWithSteps++]!;
      if (old.steps.length === 0) continue;
      this.earlierSteps -= old.steps.length;
      old.steps = [];
      old.stepsTruncated = true;
    }
  }

  protected onBackwardEnd(error: unknown): void {
    this.changes++;
    if (this.current) this.callEndTensorId[this.current.index] = this.lastTensorId;
    if (this.current && error !== undefined) {
      this.current.error = error instanceof Object && "message" in error ? String((error as Error).message) : String(error);
    }
    this.current = null;
  }
}
