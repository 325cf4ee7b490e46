// One build script for every bundle (vscode-extension-samples' esbuild-sample layout).
//   node esbuild.js            build everything once
//   node esbuild.js --watch    rebuild on change
//   node esbuild.js --production  minify, no source maps (used by packaging)
const esbuild = require("esbuild");
const fs = require("node:fs");

const production = process.argv.includes("--production");
const watch = process.argv.includes("--watch");

/** @type {import("esbuild").BuildOptions[]} */
const builds = [
  {
    // The engine alone: what snippets get as "autograd-lens" and what the benchmark imports.
    entryPoints: ["engine/index.ts"],
    outfile: "dist/engine.js",
    platform: "neutral",
    format: "cjs",
    target: "es2022",
    mainFields: ["module", "main"],
  },
  {
    // The sandboxed child process that runs one snippet (forked by runner/sandbox.ts).
    entryPoints: ["runner/child.ts"],
    outfile: "dist/runner-child.js",
    platform: "node",
    format: "cjs",
    target: "node20",
  },
  {
    // `autograd-lens trace FILE` (the package's bin and `npm run trace`).
    entryPoints: ["runner/cli.ts"],
    outfile: "dist/cli.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    banner: { js: "#!/usr/bin/env node" },
  },
];

async function main() {
  fs.mkdirSync("dist", { recursive: true });
  const common = { bundle: true, minify: production, sourcemap: !production, logLevel: "warning" };
  const contexts = await Promise.all(builds.map((b) => esbuild.context({ ...common, ...b })));
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    return;
  }
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
