// The extension's settings: names, defaults, and the run limits they give (pure: the vscode side
// passes a getter over workspace.getConfiguration("autogradLens")).
import type { RunLimits } from "../shared/protocol";
import { DEFAULT_LIMITS } from "../runner/sandbox";

export const SECTION = "autogradLens";

export const SETTINGS = {
  runOnSave: "runOnSave",
  runTimeout: "runTimeout",
  nodeCap: "nodeCap",
  valueCap: "valueCap",
  stepCap: "stepCap",
  memoryLimit: "memoryLimit",
  layoutDirection: "layoutDirection",
  inlineValues: "inlineValues",
  pythonPath: "pythonPath",
} as const;

export const DEFAULTS = {
  runOnSave: true,
  // The run limits' defaults are the runner's own (package.json declares the same numbers).
  runTimeout: DEFAULT_LIMITS.timeoutMs,
  nodeCap: DEFAULT_LIMITS.nodeCap,
  valueCap: DEFAULT_LIMITS.valueCap,
  stepCap: DEFAULT_LIMITS.stepCap,
  memoryLimit: DEFAULT_LIMITS.memoryMb,
  layoutDirection: "auto" as "LR" | "TB" | "auto",
  inlineValues: true,
};

type Get = (key: string) => unknown;

function positiveInt(v: unknown, fallback: number, min: number, max: number): number {
  return typeof v === "number" && Number.isFinite(v) && v >= min ? Math.min(Math.floor(v), max) : fallback;
}

/** Limits for a run from the settings (the runner fills and sanitizes whatever is not set here). */
export function limitsFromSettings(get: Get): Partial<RunLimits> {
  return {
    timeoutMs: positiveInt(get(SETTINGS.runTimeout), DEFAULTS.runTimeout, 100, 600_000),
    nodeCap: positiveInt(get(SETTINGS.nodeCap), DEFAULTS.nodeCap, 1, 1_000_000),
    valueCap: positiveInt(get(SETTINGS.valueCap), DEFAULTS.valueCap, 1, 10_000_000),
    stepCap: positiveInt(get(SETTINGS.stepCap), DEFAULTS.stepCap, 1, 1_000_000),
    memoryMb: positiveInt(get(SETTINGS.memoryLimit), DEFAULTS.memoryLimit, 64, 65_536),
  };
}

export function runOnSave(get: Get): boolean {
  const v = get(SETTINGS.runOnSave);
  return typeof v === "boolean" ? v : DEFAULTS.runOnSave;
}

export function inlineValuesEnabled(get: Get): boolean {
  const v = get(SETTINGS.inlineValues);
  return typeof v === "boolean" ? v : DEFAULTS.inlineValues;
}

export function layoutDirection(get: Get): "LR" | "TB" | "auto" {
  const v = get(SETTINGS.layoutDirection);
  return v === "TB" || v === "LR" || v === "auto" ? v : DEFAULTS.layoutDirection;
}
