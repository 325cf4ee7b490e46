import { it } from "vitest";
import { runEngine } from "./capture";
import { compareRuns } from "./compare";
import { reproText } from "./program";
import { runTorch } from "./python";
import { randomProgram } from "./random";
it("debug", () => {
  const ids = (process.env.IDS ?? "").split(",").map(Number);
  const ps = ids.map((i) => randomProgram(20261204, i));
  const t = runTorch(ps);
  ps.forEach((p, k) => console.log(p.name, "\n", compareRuns(runEngine(p), t.results[k]!).join("\n"), "\n", reproText(p)));
});
