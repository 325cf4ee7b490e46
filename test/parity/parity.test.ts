// Parity with real PyTorch: the same programs run through /usr/bin/python3 + torch (one process for
// the whole file) and through our engine (in this process), and are compared value by value, grad by
// grad, node by node. Skipped, visibly, when Python with torch is not installed.
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { ALL_CASES } from "./cases";
import { runEngine } from "./capture";
import { compareRuns, gist } from "./compare";
import { EXPECTED_FAILURES, expectedFor, RANDOM_EXPECTED_TO_DIFFER } from "./expected-failures";
import { reproText, sliceTo, type Program } from "./program";
import { runTorch, torchIs1x, torchUnavailable, type TorchRun } from "./python";
import { DEFAULT_RANDOM_COUNT, DEFAULT_RANDOM_SEED, randomPrograms, RANDOM_COUNT, RANDOM_SEED } from "./random";

const unavailable = torchUnavailable();

if (unavailable !== null) {
  console.warn(`[parity] SKIPPED: PyTorch parity suite not run: ${unavailable}`);
  describe("parity with PyTorch", () => {
    it.skip(`SKIPPED: PyTorch parity suite not run: ${unavailable}`, () => {});
  });
} else {
  const randoms = randomPrograms(RANDOM_SEED, RANDOM_COUNT);
  const torch1x = torchIs1x();
  let torchRun: TorchRun | undefined;
  const torchResults = (): TorchRun => {
    if (torchRun === undefined) throw new Error("parity: the PyTorch run did not happen (see beforeAll)");
    return torchRun;
  };
  // All programs in one Python process; minutes allowed on a loaded machine (about 10 s when idle).
  beforeAll(() => {
    torchRun = runTorch([...ALL_CASES.map((c) => c.program), ...randoms]);
  }, 300_000);
  const caseIndex = new Map(ALL_CASES.map((c, i) => [c.program.name, i]));

  const differences = (i: number, p: Program, expectations = {}): string[] =>
    compareRuns(runEngine(p), torchResults().results[i]!, expectations, torch1x);

  describe(`parity with PyTorch (${ALL_CASES.length} cases, ${RANDOM_COUNT} random programs, seed ${RANDOM_SEED})`, () => {
    it("the expected-failure list names only existing cases", () => {
      const unknown = Object.keys(EXPECTED_FAILURES).filter((k) => !caseIndex.has(k));
      expect(unknown, "entries in expected-failures.ts without a case in cases.ts").toEqual([]);
    });

    for (const c of ALL_CASES) {
      const i = caseIndex.get(c.program.name)!;
      const reason = expectedFor(EXPECTED_FAILURES[c.program.name], c.program.name, torch1x);
      const body = () => {
        const diffs = differences(i, c.program, c.expect);
        expect(diffs, `${c.program.name} differs from PyTorch:\n  ${diffs.join("\n  ")}\n\n${reproText(c.program)}`).toEqual([]);
      };
      if (reason === undefined) it(c.program.name, body);
      // Passing now? Then the engine was fixed: remove this entry from expected-failures.ts.
      else it.fails(`${c.program.name} — listed in expected-failures.ts (remove it when this fails): ${reason}`, body);
    }

    it(`${RANDOM_COUNT} random programs match PyTorch (except those listed in expected-failures.ts)`, () => {
      const listed = RANDOM_SEED === DEFAULT_RANDOM_SEED && RANDOM_COUNT === DEFAULT_RANDOM_COUNT ? RANDOM_EXPECTED_TO_DIFFER : {};
      const known = Object.fromEntries(Object.entries(listed).filter(([k, r]) => expectedFor(r, Number(k), torch1x) !== undefined));
      const unexpected: string[] = [];
      const nowMatching: number[] = [];
      const differing: Record<number, string> = {};
      randoms.forEach((p, k) => {
        const diffs = compareRuns(runEngine(p), torchResults().results[ALL_CASES.length + k]!, {}, torch1x);
        if (diffs.length === 0) {
          if (known[k] !== undefined) nowMatching.push(k);
          return;
        }
        differing[k] = gist(diffs);
        if (known[k] !== undefined) return;
        // The repro: the program cut down to the first step whose tensor differs, and what it needs.
        const step = firstDifferingStep(p, diffs);
        const repro = step === null ? p : sliceTo(p, step);
        unexpected.push(`${p.name}:\n  ${diffs.slice(0, 6).join("\n  ")}\n${reproText(repro)}`);
      });
      const n = Object.keys(differing).length;
      console.info(`[parity] ${n} of ${RANDOM_COUNT} random programs differ from PyTorch (seed ${RANDOM_SEED}).`);
      if (process.env.PARITY_UPDATE_EXPECTED) {
        writeRandomExpected(differing);
        return;
      }
      expect(
        nowMatching,
        `random programs listed in RANDOM_EXPECTED_TO_DIFFER now match PyTorch: remove them from expected-failures.ts (${nowMatching.join(", ")})`,
      ).toEqual([]);
      expect(unexpected.length, `${unexpected.length} random programs differ from PyTorch and are not listed:\n\n${unexpected.slice(0, 8).join("\n")}`).toBe(0);
    });
  });
}

/** Rewrite RANDOM_EXPECTED_TO_DIFFER in expected-failures.ts to the programs that differ now. */
function writeRandomExpected(differing: Record<number, string>): void {
  const file = fileURLToPath(new URL("./expected-failures.ts", import.meta.url));
  const entries = Object.entries(differing).map(([k, g]) => `  ${k}: ${JSON.stringify(g)},\n`).join("");
  const head = "export const RANDOM_EXPECTED_TO_DIFFER: Readonly<Record<number, string>> = {\n";
  const text = readFileSync(file, "utf8").replace(/export const RANDOM_EXPECTED_TO_DIFFER[^]*?\n\};/, `${head}${entries}};`);
  writeFileSync(file, text);
  console.info(`[parity] wrote ${Object.keys(differing).length} random programs to expected-failures.ts`);
}

function firstDifferingStep(p: Program, diffs: readonly string[]): number | null {
  // With in-place steps a tensor can differ because of a later step: keep the whole program.
  if (p.steps.some((st) => st.out === undefined && st.op !== "backward")) return null;
  const m = /^(?:ours|PyTorch|both) throws?.* at step (\d+)/.exec(diffs[0]!);
  if (m) return Number(m[1]);
  const named = new Set(diffs.map((d) => /^(\w+)[.:]/.exec(d)?.[1]).filter(Boolean));
  const k = p.steps.findIndex((st) => (st.out !== undefined && named.has(st.out)) || (st.inner?.out !== undefined && named.has(st.inner.out)));
  return k >= 0 ? k : null;
}
