import { describe, expect, it } from "vitest";
import { DEFAULTS, inlineValuesEnabled, layoutDirection, limitsFromSettings, runOnSave } from "../../extension/settings";

const from = (values: Record<string, unknown>) => (key: string) => values[key];

describe("settings", () => {
  it("gives the defaults when nothing is set", () => {
    expect(limitsFromSettings(from({}))).toEqual({ timeoutMs: 5000, nodeCap: 20_000, memoryMb: 1024 });
    expect(runOnSave(from({}))).toBe(true);
    expect(inlineValuesEnabled(from({}))).toBe(true);
    expect(layoutDirection(from({}))).toBe(DEFAULTS.layoutDirection);
  });
  it("uses valid values and ignores invalid ones", () => {
    expect(limitsFromSettings(from({ runTimeout: 2500.7, nodeCap: 100, memoryLimit: 512 }))).toEqual({ timeoutMs: 2500, nodeCap: 100, memoryMb: 512 });
    expect(limitsFromSettings(from({ runTimeout: -1, nodeCap: "many", memoryLimit: 1 }))).toEqual({ timeoutMs: 5000, nodeCap: 20_000, memoryMb: 1024 });
    expect(runOnSave(from({ runOnSave: false }))).toBe(false);
    expect(inlineValuesEnabled(from({ inlineValues: false }))).toBe(false);
    expect(inlineValuesEnabled(from({ inlineValues: "yes" }))).toBe(true);
    expect(layoutDirection(from({ layoutDirection: "TB" }))).toBe("TB");
    expect(layoutDirection(from({ layoutDirection: "RL" }))).toBe("auto");
    expect(layoutDirection(from({ layoutDirection: "auto" }))).toBe("auto");
    expect(layoutDirection(from({ layoutDirection: "LR" }))).toBe("LR");
  });
});
