// The bundled .d.ts (ts-plugin/build-types.mjs, what snippets are checked against in the editor)
// types issue 12's ops: a snippet using them type-checks, and misuse is a type error.
import { describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
// @ts-expect-error -- a plain .mjs script without declarations
import { buildTypes, checkBundle } from "../../ts-plugin/build-types.mjs";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "al-types-"));
const bundle = path.join(dir, "autograd-lens.d.ts");

const GOOD = `import { torch } from "autograd-lens";
const probs = torch.rand(4, 3);
const ys = torch.tensor([0, 2, 1, 1], { dtype: "int64" });
const loss = probs.index(torch.arange(4), ys).log().mean().neg();
const g = new torch.Generator().manualSeed(2147483647);
const g2 = torch.Generator().manualSeed(1);
const ix = torch.multinomial(probs.index(0), 1, true, { generator: g }).item();
const r: number = ix + torch.randint(0, 10, [3], { generator: g2 }).sum().item();
const [v, i] = torch.max(probs, 1);
const { values, indices } = probs.topk(2);
const s = probs.sort(1, true);
const parts: ReturnType<typeof probs.chunk> = probs.chunk(2, 1);
const a = torch.Tensor([2.0]);
const b = new torch.Tensor([[1, 2]]);
const isT: boolean = a instanceof torch.Tensor;
const e = torch.einsum("ij,jk->ik", probs, probs.t()).gather(1, [[0], [1], [2], [0]]).scatterAdd(1, ys.unsqueeze(1), torch.ones(4, 1));
const w = probs.repeat(2, 1).flip(0).roll(1, 0).tril().maskedFill(probs.repeat(2, 1).gt(0.5), 0).nelement();
console.log(loss, r, v, i, values, indices, s.values, parts, b, isT, e, w);
`;

describe("the bundled types of issue 12's ops", () => {
  it("a snippet using them type-checks; a wrong argument does not", () => {
    buildTypes(bundle);
    const good = path.join(dir, "good.ts");
    fs.writeFileSync(good, GOOD);
    expect(() => checkBundle(bundle, [good])).not.toThrow();
    const bad = path.join(dir, "bad.ts");
    fs.writeFileSync(bad, `import { torch } from "autograd-lens";\nconst x = torch.rand(3);\nx.gather("1", [0]);\n`);
    expect(() => checkBundle(bundle, [bad])).toThrow(/bad\.ts.*not assignable to parameter of type 'number'/s);
  }, 60_000);
});
