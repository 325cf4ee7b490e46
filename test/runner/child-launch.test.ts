// The process-level half of the boundary: the child's Node flags and environment. The probe runs
// with exactly the flags and environment the runner gives its child (childLaunch), as code that has
// (hypothetically) got out of the snippet's context: with the child's `process` and Node's require.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { childLaunch, permissionFlag } from "../../runner/child-launch";

/** Runs `code` as the child would run (its flags, its environment); returns its stdout lines. */
function probe(code: string, childPath: string): { out: string[]; err: string } {
  const launch = childLaunch(childPath, 256, { ...process.env, SECRET_TOKEN: "hunter2", ELECTRON_RUN_AS_NODE: "1" });
  const r = spawnSync(process.execPath, [...launch.execArgv, "-e", code], { env: launch.env, encoding: "utf8", timeout: 20_000 });
  return { out: r.stdout.trim().split("\n"), err: r.stderr };
}

describe("the child's launch: permission model, environment, process group", () => {
  let dir: string;
  let childPath: string;
  let secretFile: string;
  let server: net.Server;
  let port = 0;
  let connections = 0;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "lens-launch-"));
    childPath = path.join(dir, "runner-child.js");
    fs.writeFileSync(childPath, "// the child's bundle\n");
    fs.writeFileSync(path.join(dir, "engine.js"), "// the engine\n");
    secretFile = path.join(dir, "secret.txt");
    fs.writeFileSync(secretFile, "secret");
    server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("uses this Node's permission flag", () => {
    expect(permissionFlag(new Set(["--permission"]))).toBe("--permission");
    expect(permissionFlag(new Set(["--experimental-permission"]))).toBe("--experimental-permission");
    expect(permissionFlag(new Set())).toBeNull();
    expect(permissionFlag()).not.toBeNull(); // Node ≥ 20 has one
  });

  it("keeps nothing of the host's environment but what Node needs", () => {
    const launch = childLaunch(childPath, 256, { PATH: "/usr/bin", HOME: "/root", NODE_OPTIONS: "--inspect", SECRET_TOKEN: "x", ELECTRON_RUN_AS_NODE: "1" });
    expect(launch.env).toEqual({ ELECTRON_RUN_AS_NODE: "1" });
    const { out } = probe(`console.log(JSON.stringify(Object.keys(process.env).sort()))`, childPath);
    expect(JSON.parse(out[0]!)).toEqual(["ELECTRON_RUN_AS_NODE"]);
  });

  it("denies reading other files, writing, spawning, workers and native addons", () => {
    const code = `
const fs = require("fs");
const attempt = (what, f) => { try { f(); console.log(what + " allowed"); } catch (e) { console.log(what + " " + (e.code || e.message)); } };
attempt("read own bundle", () => fs.readFileSync(${JSON.stringify(childPath)}));
attempt("read engine", () => fs.readFileSync(${JSON.stringify(path.join(dir, "engine.js"))}));
attempt("read temp file", () => fs.readFileSync(${JSON.stringify(secretFile)}));
attempt("read /etc/passwd", () => fs.readFileSync("/etc/passwd"));
attempt("list dir", () => fs.readdirSync(${JSON.stringify(dir)}));
attempt("write", () => fs.writeFileSync(${JSON.stringify(path.join(dir, "pwned"))}, "x"));
attempt("spawn", () => require("child_process").spawnSync("id"));
attempt("detached grandchild", () => require("child_process").spawn("sleep", ["60"], { detached: true, stdio: "ignore" }).unref());
attempt("worker", () => new (require("worker_threads").Worker)("1", { eval: true }));
attempt("addon", () => process.dlopen({ exports: {} }, "/nonexistent.node"));
attempt("binding", () => process.binding("fs"));
`;
    const { out, err } = probe(code, childPath);
    expect(err).not.toMatch(/Error: Cannot find|SyntaxError/);
    expect(out).toContain("read own bundle allowed");
    expect(out).toContain("read engine allowed");
    for (const denied of ["read temp file", "read /etc/passwd", "list dir", "write", "spawn", "detached grandchild", "worker", "addon", "binding"]) {
      expect(out.find((l) => l.startsWith(denied + " "))).toMatch(/ERR_ACCESS_DENIED|ERR_DLOPEN_DISABLED|denied/i);
    }
    expect(fs.existsSync(path.join(dir, "pwned"))).toBe(false);
  });

  it("does not stop a connect to a loopback listener on Node < 25 (documented limit)", async () => {
    const code = `require("net").connect(${port}, "127.0.0.1").on("connect", () => { console.log("connected"); process.exit(0); }).on("error", (e) => { console.log(e.code); process.exit(0); });`;
    const launch = childLaunch(childPath, 256, {});
    const child = spawn(process.execPath, [...launch.execArgv, "-e", code], { env: launch.env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => child.on("close", r));
    const hasNet = process.allowedNodeEnvironmentFlags.has("--allow-net");
    if (hasNet) expect(out.trim()).not.toBe("connected");
    else expect(out.trim()).toBe("connected"); // the permission model of this Node has no network part
    expect(connections).toBe(hasNet ? 0 : 1);
  });

  it("starts the child in its own process group on POSIX", () => {
    expect(childLaunch(childPath, 256, {}).detached).toBe(process.platform !== "win32");
  });
});
