// The Python tracer's pipe (fd 3) is open to the program too, so the parent reads it as it reads the
// TypeScript child's: each line within the byte cap and the memory-cost budget (runner/message-cost.ts),
// checked as the bytes arrive and before the line is parsed; over either, a clear error, no crash.
// Needs a Python with torch (see python.test.ts); skipped without.
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runPython } from "../../runner/python-runner";

const PYTHON = process.env["AUTOGRAD_LENS_TEST_PYTHON"] ?? "/usr/bin/python3";
const hasTorch = spawnSync(PYTHON, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
/** The tracer moves its pipe off fd 3 (autograd_lens_trace.py), but a program can find it: every
 * pipe or socket among its descriptors past stderr gets the line (Node gives the child sockets). */
const WRITE_ALL = `import os, stat
def write_all(data):
    for fd in range(3, 256):
        try:
            mode = os.fstat(fd).st_mode
            if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
                continue
            os.write(fd, data)
        except OSError:
            pass
`;
const trace = (source: string) => runPython({ source, fileName: path.resolve("test/runner/python/inline_channel.py"), python: PYTHON, limits: { timeoutMs: 60_000 } });

describe.skipIf(!hasTorch)("what the program writes to the tracer's pipe", () => {
  it("a line of many tiny arrays (9 MB, far more in memory) is refused on its cost before it is parsed", async () => {
    const s = await trace(`${WRITE_ALL}import torch
x = torch.tensor(2.0, requires_grad=True)
write_all(b'{"type":"result","snapshot":[' + b'[],' * 3_000_000 + b'[]]}\\n')
`);
    expect(s.error?.message).toMatch(/The Python tracer sent a message that would take more than 84 MB of memory/);
  }, 120_000);

  it("a line over the 64 MB cap is refused", async () => {
    const s = await trace(`${WRITE_ALL}import torch
write_all(b'{"type":"result","snapshot":"' + b'x' * (70 * 2**20) + b'"}\\n')
`);
    expect(s.error?.message).toMatch(/The Python tracer sent a message of more than 64 MB/);
  }, 120_000);

  it("a small forged line is checked like the tracer's own: an invalid result is an error, never a graph", async () => {
    const s = await trace(`${WRITE_ALL}import torch
write_all(b'{"type":"result","snapshot":{"version":2}}\\n')
x = torch.tensor(2.0, requires_grad=True)
y = x * x
y.backward()
`);
    // The first result line wins and is invalid: the run says so instead of showing a forged graph.
    expect(s.error?.message ?? "").toMatch(/invalid result|Python tracer/);
  }, 120_000);
});
