// End-to-end tests in a real VS Code (code-server + Chromium): `npm run test:e2e`, which runs
// test/e2e/setup.mjs first (installs Node 24 and code-server into .cache/e2e/ once).
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default defineConfig({
  test: {
    root,
    include: ["test/e2e/**/*.e2e.test.ts"],
    // One VS Code at a time: the workbench alone keeps a couple of cores busy while it boots.
    pool: "forks",
    poolOptions: { forks: { singleFork: true } },
    fileParallelism: false,
    maxConcurrency: 1,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    // A failing UI step is worth a look, not a blind retry.
    retry: 0,
  },
});
