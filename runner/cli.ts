// Command line front end: `autograd-lens trace FILE [--json OUT] [--dot OUT] [--html OUT]`.
// Runs FILE through the sandboxed runner (a .py file: through the Python tracer, with real PyTorch), prints the snippet's console output and a summary of the
// graph, and writes the snapshot as JSON, DOT and/or a standalone graph page (HTML, needs the built
// dist/webview.js next to this file). Exit code 1 with FILE:line:col when it fails.
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_LIMITS, SnippetRunner } from "./sandbox";
import { DEFAULT_PYTHON, interpreterProblem, runPython } from "./python-runner";
import { buildStandaloneHtml, WEBVIEW_SCRIPT } from "./html";
import { summarize } from "./summary";
import { escapeControls } from "./terminal";
import { toDot } from "../shared/dot";
import { encodeSnapshot } from "../shared/snapshot-codec";
import type { RunLimits } from "../shared/protocol";

const USAGE = `Usage: autograd-lens trace FILE [--json OUT] [--dot OUT] [--html OUT]
                          [--timeout MS] [--node-cap N] [--value-cap N] [--step-cap N]
                          [--memory MB] [--python PATH] [--raw]

Runs FILE (.ts or .js, importing { torch } from "autograd-lens"; or .py, importing torch, run with
real PyTorch by the interpreter --python, default ${DEFAULT_PYTHON}), prints its console output and a
summary of the traced graph, and writes the GraphSnapshot as JSON and/or Graphviz DOT, and/or the
graph view as one self-contained HTML page (opens in a browser from disk, no network).
Caps (defaults in brackets): --node-cap grad_fn nodes recorded [${DEFAULT_LIMITS.nodeCap}]; --value-cap values
kept per tensor or gradient of the last backward call [${DEFAULT_LIMITS.valueCap}] (earlier calls keep a sample);
--step-cap backward steps recorded per call [${DEFAULT_LIMITS.stepCap}]; --timeout [${DEFAULT_LIMITS.timeoutMs}]; --memory [${DEFAULT_LIMITS.memoryMb}].
Control characters in what the snippet printed are shown escaped (\\x1b...); --raw writes them as they are.`;

interface Args {
  file: string;
  json?: string;
  dot?: string;
  html?: string;
  /** Write the snippet's text with its control characters (terminal escapes) as they are. */
  raw?: boolean;
  python?: string;
  limits: Partial<RunLimits>;
}

function fail(message: string, code = 2): never {
  process.stderr.write(`autograd-lens: ${message}\n`);
  process.exit(code);
}

function parseArgs(argv: string[]): Args {
  if (argv.length === 0 || argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(USAGE + "\n");
    process.exit(argv.length === 0 ? 2 : 0);
  }
  if (argv[0] !== "trace") fail(`unknown command "${argv[0]}".\n${USAGE}`);
  const args: Args = { file: "", limits: {} };
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) fail(`${a} needs a value.`);
      return v;
    };
    const num = (what: string) => {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) fail(`${a} must be a positive number (${what}).`);
      return v;
    };
    if (a === "--json") args.json = value();
    else if (a === "--dot") args.dot = value();
    else if (a === "--html") args.html = value();
    else if (a === "--timeout") args.limits.timeoutMs = num("milliseconds");
    else if (a === "--node-cap") args.limits.nodeCap = num("nodes");
    else if (a === "--value-cap") args.limits.valueCap = num("values per tensor");
    else if (a === "--step-cap") args.limits.stepCap = num("steps per backward call");
    else if (a === "--memory") args.limits.memoryMb = num("MB");
    else if (a === "--raw") args.raw = true;
    else if (a === "--python") args.python = value();
    else if (a.startsWith("--")) fail(`unknown option ${a}.\n${USAGE}`);
    else if (!args.file) args.file = a;
    else fail(`only one FILE can be traced at a time (got "${args.file}" and "${a}").`);
  }
  if (!args.file) fail(`trace needs a FILE.\n${USAGE}`);
  return args;
}

/** Where this bundle and its siblings (webview.js, webview.css) live: dist/ when built, else ../dist. */
const distDir = path.basename(__dirname) === "dist" ? __dirname : path.resolve(__dirname, "..", "dist");

function write(file: string, text: string, what: string): void {
  try {
    fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    fs.writeFileSync(file, text);
    process.stdout.write(`wrote ${what} to ${file}\n`);
  } catch (e) {
    fail(`could not write ${what} to ${file}: ${(e as Error).message}`, 1);
  }
}

// `autograd-lens trace x.ts | head` closes the pipe early: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw e;
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let source: string;
  try {
    source = fs.readFileSync(args.file, "utf8");
  } catch (e) {
    fail(`cannot read ${args.file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, 1);
  }
  const ext = path.extname(args.file).toLowerCase();
  const python = ext === ".py" || ext === ".pyw";
  const language = ext === ".js" || ext === ".mjs" || ext === ".cjs" ? "javascript" : "typescript";
  if (args.python && !python) fail(`--python is for .py files; ${args.file} runs with Autograd Lens's engine.`);
  if (args.html && !fs.existsSync(path.join(distDir, WEBVIEW_SCRIPT))) {
    fail(`--html needs the graph view's bundle ${path.join(distDir, WEBVIEW_SCRIPT)}, which does not exist; build it with "npm run build".`, 2);
  }
  const runner = python ? null : new SnippetRunner();
  try {
    // Everything below that the snippet could have made (console text, names, messages) is escaped.
    const safe = args.raw ? (t: string) => t : escapeControls;
    const request = { source, fileName: path.resolve(args.file), limits: { ...DEFAULT_LIMITS, ...args.limits } };
    const snapshot = runner ? await runner.run({ ...request, language }) : await runPython({ ...request, python: args.python ?? DEFAULT_PYTHON });
    for (const c of snapshot.console) {
      (c.level === "error" || c.level === "warn" ? process.stderr : process.stdout).write(safe(c.text) + "\n");
    }
    for (const w of snapshot.warnings) {
      process.stderr.write(safe(`${args.file}${w.range ? `:${w.range.line}:${w.range.column}` : ""}: warning: ${w.message}`) + "\n");
    }
    process.stdout.write(safe(summarize(snapshot, args.file)) + "\n");
    if (args.json) write(args.json, JSON.stringify(encodeSnapshot(snapshot)), "the snapshot (JSON)");
    if (args.dot) write(args.dot, toDot(snapshot), "the graph (DOT)");
    if (args.html) {
      let html: string;
      try {
        html = buildStandaloneHtml(snapshot, { distDir });
      } catch (e) {
        fail(`could not make the graph page: ${(e as Error).message}`, 1);
      }
      write(args.html, html, "the graph page (HTML)");
    }
    if (snapshot.error) {
      const e = snapshot.error;
      const where = e.range ? `${args.file}:${e.range.line}:${e.range.column}` : args.file;
      process.stderr.write(safe(`${where}: error: ${e.message}`) + "\n");
      if (interpreterProblem(snapshot)) process.stderr.write(`Choose the interpreter with --python PATH.\n`);
      if (e.stack) process.stderr.write(safe(e.stack.split("\n").slice(1).join("\n")) + (e.stack.includes("\n") ? "\n" : ""));
      process.exitCode = 1;
    }
  } finally {
    runner?.dispose();
  }
}

main().catch((e: unknown) => fail(`internal error: ${e instanceof Error ? e.stack : String(e)}`, 3));
