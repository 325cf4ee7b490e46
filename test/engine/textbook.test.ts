// The textbook chapter's example, f(x1, x2) = 0.2·x1² + 0.2·x2² − 5 at (2, 2), value by value.
// Every expected number below is printed in ../shared/reference/textbook-chapter-4-autograd.txt.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setObserver, setWarningHandler, torch, type BackwardStep, type Tensor, type TorchWarning } from "../../engine/index";

let warnings: TorchWarning[] = [];
beforeEach(() => {
  warnings = [];
  setWarningHandler((w) => warnings.push(w));
});
afterEach(() => {
  setWarningHandler(null);
  setObserver(null);
});

function build(retain: boolean) {
  const x1 = torch.tensor(2, { requiresGrad: true });
  const x2 = torch.tensor(2, { requiresGrad: true });
  const x3 = x1.square();
  if (retain) x3.retainGrad();
  const x5 = x3.mul(0.2);
  if (retain) x5.retainGrad();
  const x4 = x2.square();
  if (retain) x4.retainGrad();
  const x6 = x4.mul(0.2);
  if (retain) x6.retainGrad();
  const x7 = x5.add(x6).sub(5);
  return { x1, x2, x3, x4, x5, x6, x7 };
}

describe("textbook example", () => {
  it("computes f = -3.4 and prints it like torch", () => {
    const { x7 } = build(false);
    expect(x7.item()).toBeCloseTo(-3.4, 6);
    expect(x7.requiresGrad).toBe(true);
    expect(x7.toString()).toBe("torch_tensor\n-3.4000\n[ CPUFloatType{} ][ grad_fn = <SubBackward1> ]");
  });

  it("names every grad_fn as libtorch does", () => {
    const { x1, x3, x4, x5, x6, x7 } = build(false);
    expect(x1.gradFn).toBeNull();
    expect(x1.isLeaf).toBe(true);
    expect(x3.gradFn!.name).toBe("PowBackward0");
    expect(x4.gradFn!.name).toBe("PowBackward0");
    expect(x5.gradFn!.name).toBe("MulBackward1");
    expect(x6.gradFn!.name).toBe("MulBackward1");
    expect(x7.gradFn!.name).toBe("SubBackward1");
    const add = x7.gradFn!.nextFunctions[0]![0]!;
    expect(add.name).toBe("AddBackward0");
    expect(add.nextFunctions.map(([n, i]) => [n, i])).toEqual([[x5.gradFn, 0], [x6.gradFn, 0]]);
    // Leaves appear as AccumulateGrad nodes holding the variable, as in next_functions.
    const acc = x3.gradFn!.nextFunctions[0]![0]!;
    expect(acc.name).toBe("AccumulateGrad");
    expect((acc as unknown as { variable: Tensor }).variable).toBe(x1);
    expect(x3.gradFn!.formulas).toEqual(["grad · 2 · self"]);
    expect(x5.gradFn!.formulas[0]).toContain("0.2");
    expect(x3.gradFn!.saved["self"]).toBe(x1);
  });

  it("gives grads 0.8 / 0.8 on the leaves and warns on non-leaf .grad", () => {
    const { x1, x2, x3, x7 } = build(false);
    x7.backward();
    expect(x1.grad!.item()).toBeCloseTo(0.8, 6);
    expect(x2.grad!.item()).toBeCloseTo(0.8, 6);
    expect(x1.grad!.toString()).toBe("torch_tensor\n0.8000\n[ CPUFloatType{} ]");
    expect(warnings).toHaveLength(0);
    expect(x3.grad).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/^The \.grad attribute of a Tensor that is not a leaf Tensor is being accessed\. Its \.grad attribute won't be populated during autograd\.backward\(\)\. If you indeed want the \.grad field to be populated for a non-leaf Tensor, use \.retain_grad\(\) on the non-leaf Tensor\./);
    expect(x3.grad).toBeUndefined();
    expect(warnings).toHaveLength(1); // once per tensor
  });

  it("retains intermediate grads 0.2, 0.2, 1, 1 with retainGrad()", () => {
    const { x3, x4, x5, x6, x7 } = build(true);
    x7.backward();
    expect(x3.retainsGrad).toBe(true);
    expect(x3.grad!.item()).toBeCloseTo(0.2, 6);
    expect(x4.grad!.item()).toBeCloseTo(0.2, 6);
    expect(x5.grad!.item()).toBe(1);
    expect(x6.grad!.item()).toBe(1);
    expect(warnings).toHaveLength(0);
  });

  it("records the backward steps in PyTorch's order with the gradients sent", () => {
    const { x1, x2, x7 } = build(true);
    const steps: Array<{ name: string; gradIn: number; out: Array<number | null>; leaf?: Tensor }> = [];
    setObserver({
      backwardStep: (s: BackwardStep) =>
        steps.push({ name: s.node.name, gradIn: s.gradIn.item(), out: s.gradsOut.map((g) => (g ? g.item() : null)), leaf: s.leaf }),
    });
    x7.backward();
    // Highest sequence number first, AccumulateGrad as soon as ready: the x2 branch (made later) finishes first.
    expect(steps.map((s) => s.name)).toEqual([
      "SubBackward1", "AddBackward0", "MulBackward1", "PowBackward0", "AccumulateGrad", "MulBackward1", "PowBackward0", "AccumulateGrad",
    ]);
    expect(steps[4]!.leaf).toBe(x2);
    expect(steps[7]!.leaf).toBe(x1);
    const close = (a: number | null, b: number) => expect(a).toBeCloseTo(b, 6);
    close(steps[0]!.gradIn, 1);
    close(steps[1]!.out[0]!, 1);
    close(steps[1]!.out[1]!, 1);
    close(steps[2]!.out[0]!, 0.2); // ∂f/∂x4 = 1 · 0.2
    close(steps[3]!.out[0]!, 0.8); // ∂f/∂x2 = 0.2 · 2·2
    close(steps[7]!.gradIn, 0.8);
  });

  it("refuses a second backward through the freed graph, naming the node", () => {
    const { x7 } = build(false);
    x7.backward();
    expect(() => x7.backward()).toThrow(/PowBackward0: Trying to backward through the graph a second time.*retainGraph: true/);
  });
});
