// Every optional argument of the engine's ops does what PyTorch's does (issue: flatten(1) used to
// ignore its argument). One row per argument; the expected shapes and values are PyTorch 1.13's,
// printed by /usr/bin/python3 for the same calls.
import { describe, expect, it } from "vitest";
import { torch, type Tensor } from "../../engine/index";

const x = torch.arange(24, { dtype: "float32" }).reshape(2, 3, 4);
const shapeOf = (t: Tensor) => t.shape.slice();

const ROWS: Array<[string, () => unknown, unknown]> = [
  ["sum(dim)", () => shapeOf(x.sum(1)), [2, 4]],
  ["sum(dims)", () => shapeOf(x.sum([0, 2])), [3]],
  ["sum(dim, keepdim)", () => shapeOf(x.sum(-1, true)), [2, 3, 1]],
  ["mean(dims, keepdim)", () => shapeOf(x.mean([0, 1], true)), [1, 1, 4]],
  ["max(dim).values", () => shapeOf(x.max(1).values), [2, 4]],
  ["max(dim, keepdim).indices", () => shapeOf(x.max(1, true).indices), [2, 1, 4]],
  ["argmax()", () => x.argmax().item(), 23],
  ["argmax(dim)", () => shapeOf(x.argmax(2)), [2, 3]],
  ["argmax(dim, keepdim)", () => shapeOf(x.argmax(2, true)), [2, 3, 1]],
  ["argmin(dim)", () => shapeOf(x.argmin(0)), [3, 4]],
  ["squeeze(dim) of a non-1 dim", () => shapeOf(x.squeeze(1)), [2, 3, 4]],
  ["squeeze()", () => shapeOf(torch.zeros(2, 1, 3, 1).squeeze()), [2, 3]],
  ["squeeze(-1)", () => shapeOf(torch.zeros(2, 1, 3, 1).squeeze(-1)), [2, 1, 3]],
  ["diagonal(offset)", () => shapeOf(x.diagonal(1)), [4, 2]],
  ["diagonal(0, dim1, dim2)", () => shapeOf(x.diagonal(0, 1, 2)), [2, 3]],
  ["diagonal(-1, 0, 2)", () => shapeOf(x.diagonal(-1, 0, 2)), [3, 1]],
  ["diagonal(1, 0, 2) values", () => x.diagonal(1, 0, 2).index(0).tolist(), [1, 14]],
  ["cat(dim -1)", () => shapeOf(torch.cat([x, x], -1)), [2, 3, 8]],
  ["stack(dim -1)", () => shapeOf(torch.stack([x, x], -1)), [2, 3, 4, 2]],
  ["stack(dim 1)", () => shapeOf(torch.stack([x, x], 1)), [2, 2, 3, 4]],
  ["clamp(min)", () => x.clamp(5).min().item(), 5],
  ["clamp(undefined, max)", () => x.clamp(undefined, 5).max().item(), 5],
  ["unfold(dim, size, step 1)", () => shapeOf(x.unfold(2, 2, 1)), [2, 3, 3, 2]],
  ["unfold(dim, size, step 2)", () => shapeOf(x.unfold(1, 2, 2)), [2, 1, 4, 2]],
  ["narrow(-1, 1, 2)", () => shapeOf(x.narrow(-1, 1, 2)), [2, 3, 2]],
  ["narrow(0, -1, 1)", () => shapeOf(x.narrow(0, -1, 1)), [1, 3, 4]],
  ["arange(start, end, step)", () => torch.arange(1, 10, 3).tolist(), [1, 4, 7]],
  ["linspace(steps)", () => torch.linspace(0, 1, 5).tolist(), [0, 0.25, 0.5, 0.75, 1]],
  ["eye(n, m)", () => torch.eye(2, 3).tolist(), [[1, 0, 0], [0, 1, 0]]],
  ["transpose(-1, 0)", () => shapeOf(x.transpose(-1, 0)), [4, 3, 2]],
  ["expand(-1 kept)", () => shapeOf(x.expand(3, -1, -1, -1)), [3, 2, 3, 4]],
  ["index step", () => shapeOf(x.index(":", "::2")), [2, 2, 4]],
  ["index negative start", () => shapeOf(x.index(":", "-2:")), [2, 2, 4]],
  ["index negative end", () => shapeOf(x.index(":", ":-1")), [2, 2, 4]],
  ["mseLoss(reduction sum)", () => torch.nn.functional.mseLoss(torch.tensor([1, 2]), torch.tensor([0, 0]), { reduction: "sum" }).item(), 5],
  ["mseLoss(reduction none)", () => torch.nn.functional.mseLoss(torch.tensor([1, 2]), torch.tensor([0, 0]), { reduction: "none" }).tolist(), [1, 4]],
  ["flatten(0, -2)", () => shapeOf(torch.zeros(2, 3, 4).flatten(0, -2)), [6, 4]],
  ["unflatten(-1, sizes)", () => shapeOf(x.unflatten(-1, [2, 2])), [2, 3, 2, 2]],
  ["0-dim sum(0)", () => shapeOf(torch.tensor(5).sum(0)), []],
  ["0-dim mean(-1)", () => torch.tensor(5).mean(-1).item(), 5],
  ["uniform_(from, to)", () => { const t = torch.zeros(1000).uniform_(2, 3); return [t.min().item() >= 2, t.max().item() < 3]; }, [true, true]],
  ["normal_(mean, std)", () => { torch.manualSeed(1); const t = torch.zeros(4000).normal_(10, 0.5); return [Math.abs(t.mean().item() - 10) < 0.05, Math.abs(t.sub(10).pow(2).mean().sqrt().item() - 0.5) < 0.05]; }, [true, true]],
  ["Linear({ bias: false })", () => new torch.nn.Linear(2, 3, { bias: false }).parameters().length, 1],
];

describe("optional arguments, one row each", () => {
  it.each(ROWS)("%s", (_name, f, want) => {
    expect(f()).toEqual(want);
  });
});
