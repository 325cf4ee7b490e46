// Real PyTorch as the reference: every program of a test run goes to ONE Python process (harness.py),
// since importing torch takes seconds. /usr/bin/python3 is Debian's interpreter with python3-torch
// (the `python3` on PATH may be another one without torch); PARITY_PYTHON overrides it.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { RunResult } from "./capture";
import { emitPy, namesOf, type Program } from "./program";

export const PYTHON = process.env.PARITY_PYTHON ?? "/usr/bin/python3";
const HARNESS = fileURLToPath(new URL("./harness.py", import.meta.url));

let probed: { version: string } | { unavailable: string } | undefined;

/** The reference PyTorch's version ("1.13.0a0", "2.6.0+debian"), or why it cannot be run (asked once). */
function probe(): { version: string } | { unavailable: string } {
  if (probed) return probed;
  if (!existsSync(PYTHON)) return (probed = { unavailable: `${PYTHON} does not exist (install Debian's python3-torch, or set PARITY_PYTHON)` });
  const r = spawnSync(PYTHON, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) return (probed = { unavailable: `${PYTHON} cannot import torch: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}` });
  return (probed = { version: r.stdout.trim() });
}

/** null when PyTorch can be run, else why not (the suite is then skipped with this message). */
export function torchUnavailable(): string | null {
  const p = probe();
  return "unavailable" in p ? p.unavailable : null;
}

/**
 * True when the reference is PyTorch 1.x. The engine follows 2.x; where 1.13 differs (graph names,
 * error words, reprs), expected-failures.ts lists the difference for 1.x references only.
 */
export function torchIs1x(): boolean {
  const p = probe();
  return "version" in p && p.version.startsWith("1.");
}

export interface TorchRun {
  version: string;
  results: RunResult[];
}

export function runTorch(programs: readonly Program[]): TorchRun {
  const input = programs.map((p) => ({
    ...emitPy(p),
    names: namesOf(p),
    layout: p.layout ?? false,
    versions: p.versions ?? false,
  }));
  const r = spawnSync(PYTHON, [HARNESS], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 256 * 2 ** 20,
    timeout: 120_000,
    env: { ...process.env, OMP_NUM_THREADS: "1", PYTHONWARNINGS: "ignore::DeprecationWarning" },
  });
  if (r.status !== 0) throw new Error(`parity: ${PYTHON} harness.py failed (${r.status ?? r.error?.message}):\n${r.stderr}`);
  const parsed = JSON.parse(r.stdout) as { torch: string; results: RunResult[] };
  if (parsed.results.length !== programs.length) throw new Error("parity: harness.py returned a different number of results");
  return { version: parsed.torch, results: parsed.results };
}
