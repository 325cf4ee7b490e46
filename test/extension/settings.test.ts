import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_LIMITS } from "../../runner/sandbox";
import { describe, expect, it } from "vitest";
import { DEFAULTS, inlineValuesEnabled, layoutDirection, limitsFromSettings, runOnSave } from "../../extension/settings";

const from = (values: Record<string, unknown>) => (key: string) => values[key];

describe("settings", () => {
  it("gives the defaults when nothing is set", () => {
    expect(limitsFromSettings(from({}))).toEqual({ timeoutMs: 5000, nodeCap: 20_000, valueCap: 1000, stepCap: 30_000, memoryMb: 1024 });
    expect(runOnSave(from({}))).toBe(true);
    expect(inlineValuesEnabled(from({}))).toBe(true);
    expect(layoutDirection(from({}))).toBe(DEFAULTS.layoutDirection);
  });
  it("uses valid values and ignores invalid ones", () => {
    expect(limitsFromSettings(from({ runTimeout: 2500.7, nodeCap: 100, valueCap: 50_000, stepCap: 10, memoryLimit: 512 }))).toEqual({ timeoutMs: 2500, nodeCap: 100, valueCap: 50_000, stepCap: 10, memoryMb: 512 });
    expect(limitsFromSettings(from({ runTimeout: -1, nodeCap: "many", valueCap: 0, stepCap: NaN, memoryLimit: 1 }))).toEqual({ timeoutMs: 5000, nodeCap: 20_000, valueCap: 1000, stepCap: 30_000, memoryMb: 1024 });
    expect(runOnSave(from({ runOnSave: false }))).toBe(false);
    expect(inlineValuesEnabled(from({ inlineValues: false }))).toBe(false);
    expect(inlineValuesEnabled(from({ inlineValues: "yes" }))).toBe(true);
    expect(layoutDirection(from({ layoutDirection: "TB" }))).toBe("TB");
    expect(layoutDirection(from({ layoutDirection: "RL" }))).toBe("auto");
    expect(layoutDirection(from({ layoutDirection: "auto" }))).toBe("auto");
    expect(layoutDirection(from({ layoutDirection: "LR" }))).toBe("LR");
  });
});

describe("the manifest's settings", () => {
  it("declare the defaults the code uses, and the runner's own defaults for the caps", () => {
    const manifest = JSON.parse(fs.readFileSync(path.resolve("package.json"), "utf8")) as {
      contributes: { configuration: { properties: Record<string, { default: unknown }> } };
    };
    const props = manifest.contributes.configuration.properties;
    for (const [key, value] of Object.entries(DEFAULTS)) expect(props[`autogradLens.${key}`]?.default, key).toEqual(value);
    expect(DEFAULTS.runTimeout).toBe(DEFAULT_LIMITS.timeoutMs);
    expect(DEFAULTS.nodeCap).toBe(DEFAULT_LIMITS.nodeCap);
    expect(DEFAULTS.valueCap).toBe(DEFAULT_LIMITS.valueCap);
    expect(DEFAULTS.stepCap).toBe(DEFAULT_LIMITS.stepCap);
    expect(DEFAULTS.memoryLimit).toBe(DEFAULT_LIMITS.memoryMb);
  });
});
