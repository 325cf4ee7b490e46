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
    // Strict mode everywhere in the child: V8 hides strict frames' functions and receivers from
    // stack-trace call sites (Error.prepareStackTrace) and `caller`, so a snippet's getter that the
    // runner happens to call cannot reach the runner's functions through its stack.
    banner: { js: '"use strict";' },
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
  {
    // The extension host side; `vscode` is provided by VS Code at run time.
    entryPoints: ["extension/extension.ts"],
    outfile: "dist/extension.js",
    platform: "node",
    format: "cjs",
    target: "node20",
    external: ["vscode"],
  },
  {
    // The TypeScript server plugin: tsserver loads it as a package from <extension>/node_modules.
    entryPoints: ["ts-plugin/index.ts"],
    outfile: "node_modules/autograd-lens-ts-plugin/index.js",
    platform: "node",
    format: "cjs",
    target: "node20",
  },
];

/**
 * The graph view's layout worker is bundled on its own and inlined into the webview bundle as a
 * string (started from a Blob URL): a worker file next to the page would be cross-origin inside
 * VS Code's webview and missing from the single-file standalone page.
 */
async function layoutWorkerSource(entry = "webview/layout-worker.ts") {
  const r = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2022",
    minify: true,
    logLevel: "warning",
  });
  return r.outputFiles[0].text;
}

async function main() {
  fs.mkdirSync("dist", { recursive: true });
  // What the extension ships besides bundles: the examples of "New Snippet" (examples/gallery.json), the plugin's package
  // file, and one declaration file for "autograd-lens" (rebuilt only when engine/ changed).
  fs.mkdirSync("dist/examples", { recursive: true });
  fs.copyFileSync("examples/gallery.json", "dist/examples/gallery.json");
  for (const e of JSON.parse(fs.readFileSync("examples/gallery.json", "utf8"))) fs.copyFileSync(`examples/${e.file}`, `dist/examples/${e.file}`);
  // The Python tracer runs as plain .py files with the user's interpreter (runner/python-runner.ts).
  fs.mkdirSync("dist/python", { recursive: true });
  for (const f of fs.readdirSync("runner/python")) if (f.endsWith(".py")) fs.copyFileSync(`runner/python/${f}`, `dist/python/${f}`);
  fs.mkdirSync("node_modules/autograd-lens-ts-plugin", { recursive: true });
  fs.writeFileSync(
    "node_modules/autograd-lens-ts-plugin/package.json",
    JSON.stringify({ name: "autograd-lens-ts-plugin", version: require("./package.json").version, private: true, main: "index.js" }, null, 2) + "\n",
  );
  const types = await import("./ts-plugin/build-types.mjs");
  if (types.typesAreStale()) types.buildTypes();
  const common = { bundle: true, minify: production, sourcemap: !production, logLevel: "warning" };
  builds.push(
    {
      // The graph view: one browser bundle, host-agnostic (VS Code webview or standalone page).
      // Always minified: `trace --html` inlines it into every page, and the page's first paint
      // waits for its parse (1.2 MB unminified). The source map stays next to it, never inlined
      // (runner/html.ts drops the sourceMappingURL comment from the standalone page).
      entryPoints: ["webview/main.ts"],
      outfile: "dist/webview.js",
      platform: "browser",
      format: "iife",
      target: "es2022",
      minify: true,
      sourcemap: production ? false : "linked",
      define: {
        __LAYOUT_WORKER_SOURCE__: JSON.stringify(await layoutWorkerSource()),
        // The Landscape tab's worker: the engine and its replay (issue 6), inlined the same way.
        __LANDSCAPE_WORKER_SOURCE__: JSON.stringify(await layoutWorkerSource("webview/landscape-worker.ts")),
      },
    },
    // The page's stylesheet (kept out of main.ts so the two outputs never collide).
    { entryPoints: ["webview/style.css"], outfile: "dist/webview.css", bundle: true, minify: true, sourcemap: false },
  );
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
