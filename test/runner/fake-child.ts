// A fake sandbox child for the channel's tests: a script in a temporary dist/ that does `body` when
// the run request arrives (fd 3 is the channel, `write(s)` writes to it), run by a real SnippetRunner.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll } from "vitest";
import { SnippetRunner } from "../../runner/sandbox";
import { SNAPSHOT_VERSION, type GraphSnapshot, type SnapshotWire } from "../../shared/protocol";

/** A temporary dist/ whose runner-child.js says it is ready, then does `body` on the request. */
export function fakeDist(body: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lens-fake-"));
  fs.writeFileSync(path.join(dir, "engine.js"), "");
  fs.writeFileSync(
    path.join(dir, "runner-child.js"),
    `const fs = require("fs");\nconst write = (s) => { const b = Buffer.from(s); let o = 0; while (o < b.length) { try { o += fs.writeSync(3, b, o); } catch (e) { if (e.code !== "EAGAIN") throw e; } } };\nwrite(JSON.stringify({ type: "ready", bootMs: 1 }) + "\\n");\nprocess.stdin.once("data", () => {\n${body}\n});\n`,
  );
  return dir;
}

/** `runWith(body)`: one run against a fake child doing `body`; the suite's temp dirs go afterwards. */
export function useFakeChildren(defaultTimeoutMs: number): (body: string, timeoutMs?: number) => Promise<GraphSnapshot> {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  return async (body, timeoutMs = defaultTimeoutMs) => {
    const dir = fakeDist(body);
    dirs.push(dir);
    const runner = new SnippetRunner({ distDir: dir, keepWarm: false });
    try {
      return await runner.run({ source: "1", language: "typescript", fileName: "/x.ts", limits: { timeoutMs } });
    } finally {
      runner.dispose();
    }
  };
}

/** A small valid snapshot as the child sends it (one console line, nothing traced). */
export function smallSnapshot(): SnapshotWire {
  return {
    version: SNAPSHOT_VERSION,
    file: "/x.ts",
    language: "typescript",
    tracedAt: "2026-01-01T00:00:00.000Z",
    durationMs: 1,
    limits: { timeoutMs: 1000, nodeCap: 10, valueCap: 10, stepCap: 10, memoryMb: 64 },
    console: [{ level: "log", text: "hello" }],
    warnings: [],
    values: [],
    tensors: [],
    nodes: [],
    edges: [],
    backward: [],
    nodesTruncated: false,
  };
}
