// Hostile snippets through the command line (the built dist/cli.js, real child processes): the
// terminal never receives the snippet's control characters unless --raw asks for them, an escape
// attempt or a forged value ends as a clear error with exit code 1 (never the internal-error exit 3),
// and long output is cut with a marker, not dropped.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = path.resolve("dist/cli.js");
const built = fs.existsSync(CLI);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lens-cli-hostile-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function trace(name: string, source: string, ...flags: string[]): { code: number | null; out: string; err: string } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  const r = spawnSync(process.execPath, [CLI, "trace", file, "--timeout", "3000", ...flags], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!built)("hostile snippets through the CLI", () => {
  it("escapes terminal control sequences in console output, names and errors; --raw keeps them", () => {
    const src = 'console.log("\\u001b[2J\\u001b]0;pwned\\u0007title");\nconsole.error("a\\rb\\u009b");\nthrow new Error("\\u001b[31mred");\n';
    const r = trace("esc.js", src);
    expect(r.code).toBe(1);
    // eslint-disable-next-line no-control-regex -- the test is that none reach the terminal
    expect(r.out + r.err).not.toMatch(/[\u001b\u0007\u009b\r]/);
    expect(r.out).toContain("\\x1b[2J\\x1b]0;pwned\\x07title");
    expect(r.err).toContain("a\\x0db\\x9b");
    expect(r.err).toMatch(/error: Error: \\x1b\[31mred/);
    const raw = trace("esc-raw.js", src, "--raw");
    expect(raw.out).toContain("\u001b[2J");
  });

  it("the issue's escape one-liner: a clear error at its line, exit 1", () => {
    const r = trace("escape.js", 'const lens = require("autograd-lens");\nlens.setObserver(null).tensorCreated.constructor.constructor("return process")().exit(0);\n');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/escape\.js:2:\d+: error: Error: setObserver\(\) is used by Autograd Lens itself/);
  });

  it("globalThis.constructor is the snippet's own Object", () => {
    const r = trace("global.js", 'console.log(globalThis.constructor.constructor("return typeof process")());\n');
    expect(r.code).toBe(0);
    expect(r.out.split("\n")[0]).toBe("undefined");
  });

  it("a function as a tensor's name is described, not a crash", () => {
    const r = trace("fn-name.js", 'const { torch } = require("autograd-lens");\nconst x = torch.ones([2], { requiresGrad: true });\nx.name = function sneaky() {};\nconst y = x.mul(2);\n', "--json", path.join(dir, "fn.json"));
    expect(r.code).toBe(0);
    const s = JSON.parse(fs.readFileSync(path.join(dir, "fn.json"), "utf8")) as { tensors: Array<{ label: string }> };
    expect(s.tensors.map((t) => t.label)).toContain("x");
  });

  it("a writable shape set to a billion rows does not reach the host as such", () => {
    const r = trace("shape.js", 'const { torch } = require("autograd-lens");\nconst x = torch.ones([3], { requiresGrad: true });\ntry { x.shape = [1e9, 1]; } catch {}\nconst y = x.mul(2);\n', "--json", path.join(dir, "shape.json"));
    expect(r.code).toBe(0);
    // The file holds the snapshot as it travels: a tensor's value is an entry of the value table.
    const s = JSON.parse(fs.readFileSync(path.join(dir, "shape.json"), "utf8")) as { values: Array<{ shape: number[] }>; tensors: Array<{ shape: number[]; value: number }> };
    const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
    for (const t of s.tensors) expect(numel(t.shape)).toBe(numel(s.values[t.value]!.shape));
  });

  it("a console line over the 200,000-character budget is cut with a marker", () => {
    const r = trace("long.js", 'console.log("a".repeat(300000));\nconsole.log("after");\n');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^a{199900,199999}… \[100,\d{3} more characters\]\n/);
    expect(r.err).toContain("[console output truncated after 1 entries]");
  });

  it("throw of a string and a rejected number have their lines", () => {
    expect(trace("boom.js", 'const a = 1;\nthrow "boom";\n').err).toMatch(/boom\.js:2:1: error: Uncaught "boom"/);
    expect(trace("rej.js", "const a = 1;\nawait Promise.reject(42);\n").err).toMatch(/rej\.js:2:15: error: Uncaught 42/);
  });
});
