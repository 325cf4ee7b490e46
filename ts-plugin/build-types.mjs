// Build the one declaration file the TypeScript server plugin resolves "autograd-lens" to:
//   node ts-plugin/build-types.mjs [--out dist/types/autograd-lens.d.ts] [--if-changed]
//   (--if-changed: only when engine/ or this script is newer than the output; esbuild.js uses it)
//
// The engine's declarations are emitted with the TypeScript compiler API (in memory, JSDoc kept for
// hovers and completions) and bundled into a single self-contained *script*: every engine file
// becomes an ambient module, engine/index.ts as `declare module "autograd-lens" { ... }` and the
// others as `declare module "autograd-lens/internal/<path>" { ... }`, with relative imports rewritten
// to those names (an ambient module may not import a relative path). The result is then type
// checked on its own (skipLibCheck off, lib ES2022, no other types) together with
// examples/autograd-basics.ts, so a broken bundle fails the build rather than the user's editor.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const MODULE_NAME = "autograd-lens";
const INTERNAL_PREFIX = `${MODULE_NAME}/internal/`;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

function fail(message) {
  throw new Error(`build-types: ${message}`);
}

function formatDiagnostics(diagnostics) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => root,
    getNewLine: () => "\n",
  });
}

/** Emit the engine's .d.ts files in memory: Map of path relative to engine/ (posix, "ops/add.d.ts") → text. */
export function emitEngineDeclarations(engineDir = path.join(root, "engine")) {
  const outDir = path.join(engineDir, "__types__"); // never written: emit goes to the callback
  const parsed = ts.getParsedCommandLineOfConfigFile(
    path.join(engineDir, "tsconfig.json"),
    { noEmit: false, declaration: true, emitDeclarationOnly: true, declarationMap: false, sourceMap: false, outDir, rootDir: engineDir, removeComments: false },
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail(formatDiagnostics([d])) },
  );
  if (!parsed) fail("cannot read engine/tsconfig.json");
  if (parsed.errors.length) fail(formatDiagnostics(parsed.errors));
  // The engine's own type errors are `npm run check`'s business; here only declaration emit errors count.
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const files = new Map();
  const result = program.emit(undefined, (fileName, text) => {
    if (fileName.endsWith(".d.ts")) files.set(path.relative(outDir, fileName).split(path.sep).join("/"), text);
  }, undefined, true);
  const emitErrors = result.diagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (result.emitSkipped || emitErrors.length) fail(`declaration emit failed:\n${formatDiagnostics(emitErrors)}`);
  // Hand-written declaration files of the engine are not emitted; bring them along as they are.
  for (const sf of program.getSourceFiles()) {
    const rel = path.relative(engineDir, sf.fileName);
    if (sf.isDeclarationFile && !rel.startsWith("..") && !path.isAbsolute(rel)) files.set(rel.split(path.sep).join("/"), sf.text);
  }
  if (!files.has("index.d.ts")) fail("no index.d.ts was emitted for engine/index.ts");
  return files;
}

/** "index.d.ts" → "autograd-lens", "ops/creation.d.ts" → "autograd-lens/internal/ops/creation". */
export function moduleNameFor(rel) {
  const stem = rel.replace(/\.d\.ts$/, "");
  return stem === "index" ? MODULE_NAME : INTERNAL_PREFIX + stem;
}

/** The module name a relative specifier in file `rel` refers to. */
function resolveSpecifier(files, rel, specifier) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(rel), specifier.replace(/\.(?:d\.)?[cm]?[jt]s$/, "")));
  for (const candidate of [`${base}.d.ts`, path.posix.normalize(`${base}/index.d.ts`)]) {
    if (files.has(candidate)) return moduleNameFor(candidate);
  }
  return fail(`${rel}: cannot resolve "${specifier}" among the emitted declarations`);
}

/** One file's declarations as the body of an ambient module: relative specifiers → module names, no `declare`. */
export function toAmbientBody(files, rel) {
  const text = files.get(rel);
  const lines = text
    // "./x", "../x", and "." / ".." (tsc writes import(".") for a type the index re-exports).
    .replace(/(\bfrom\s*|\bimport\s*\(\s*|^\s*import\s*)(["'])(\.{1,2}(?:\/[^"']*)?)\2/gm, (_, lead, quote, spec) => `${lead}${quote}${resolveSpecifier(files, rel, spec)}${quote}`)
    .split(/\r?\n/)
    // Statements in an ambient module are ambient already: a top-level `declare` is an error there.
    .map((line) => line.replace(/^((?:export\s+)?(?:default\s+)?)declare\s+/, "$1"));
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  return lines.map((l) => (l ? `    ${l}` : l)).join("\n");
}

/** The whole bundle, as text. */
export function bundleDeclarations(files) {
  const order = [...files.keys()].sort((a, b) => (a === "index.d.ts" ? -1 : b === "index.d.ts" ? 1 : a.localeCompare(b)));
  const parts = [
    "// Types of the engine that Autograd Lens runs snippets against: `import { torch } from \"autograd-lens\"`.",
    "// Generated by ts-plugin/build-types.mjs from engine/; do not edit. The modules under",
    "// \"autograd-lens/internal/\" exist for these declarations only: snippets import \"autograd-lens\".",
    "",
  ];
  for (const rel of order) {
    parts.push(`declare module ${JSON.stringify(moduleNameFor(rel))} {`, toAmbientBody(files, rel), "}", "");
  }
  return parts.join("\n");
}

/** Type check the bundle alone and with a snippet (the textbook example); throws on any error. */
export function checkBundle(bundleFile, snippets = [path.join(root, "examples", "autograd-basics.ts"), path.join(root, "examples", "custom-function.ts")]) {
  const consoleDecl = path.join(path.dirname(bundleFile), "__console__.d.ts");
  const virtual = new Map([[consoleDecl, "declare const console: { log(...args: unknown[]): void };\n"]]);
  const options = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts"],
    types: [],
    skipLibCheck: false,
    noUnusedLocals: false,
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => (virtual.has(f) ? ts.createSourceFile(f, virtual.get(f), lang, true) : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram({ rootNames: [bundleFile, consoleDecl, ...snippets], options, host });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length) fail(`the bundled declarations do not type check:\n${formatDiagnostics(diagnostics)}`);
}

export const DEFAULT_OUT = path.join(root, "dist", "types", `${MODULE_NAME}.d.ts`);

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (/\.(ts|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** The output is missing or older than the engine's sources, its tsconfig or this script. */
export function typesAreStale(outFile = DEFAULT_OUT) {
  if (!fs.existsSync(outFile)) return true;
  const inputs = Math.max(newestMtime(path.join(root, "engine")), fs.statSync(fileURLToPath(import.meta.url)).mtimeMs, fs.statSync(path.join(root, "examples", "autograd-basics.ts")).mtimeMs);
  return fs.statSync(outFile).mtimeMs < inputs;
}

export function buildTypes(outFile = DEFAULT_OUT) {
  const text = bundleDeclarations(emitEngineDeclarations());
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, text);
  checkBundle(outFile);
  return { outFile, bytes: Buffer.byteLength(text) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--out");
  const out = i > 0 ? path.resolve(process.argv[i + 1] ?? fail("--out needs a file")) : undefined;
  const t0 = Date.now();
  try {
    if (process.argv.includes("--if-changed") && !typesAreStale(out)) process.exit(0);
    const { outFile, bytes } = buildTypes(out);
    console.log(`build-types: wrote ${path.relative(process.cwd(), outFile)} (${(bytes / 1024).toFixed(1)} KB) in ${Date.now() - t0} ms`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
