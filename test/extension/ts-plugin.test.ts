// The TypeScript server plugin: "autograd-lens" resolves to the bundled declaration file, other
// imports resolve as before. Unit part: the plugin on a hand-made LanguageServiceHost with the real
// TypeScript language service. End-to-end part: the real tsserver loading the plugin the way VS Code
// does (--globalPlugins, --pluginProbeLocations <extension folder>), with the declaration file built
// by ts-plugin/build-types.mjs and the plugin bundled to node_modules/autograd-lens-ts-plugin/.
import { spawn, execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { build } from "esbuild";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPluginModule, MODULE_NAME, patchModuleResolution } from "../../ts-plugin/plugin";
import { textbook } from "./helpers";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "autograd-lens-ts-plugin-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const TYPES = path.join(tmp, "fixture", "autograd-lens.d.ts");
const SNIPPET = path.join(tmp, "project", "snippet.ts");
const HELPER = path.join(tmp, "project", "helper.ts");
fs.mkdirSync(path.dirname(TYPES), { recursive: true });
fs.mkdirSync(path.dirname(SNIPPET), { recursive: true });
fs.writeFileSync(
  TYPES,
  'declare module "autograd-lens" {\n  export interface Tensor { square(): Tensor; backward(): void; readonly grad: Tensor | undefined }\n  export const torch: { tensor(x: number, o?: { requiresGrad?: boolean }): Tensor };\n}\n',
);
fs.writeFileSync(HELPER, "export const two = 2;\n");
const SNIPPET_TEXT = 'import { torch } from "autograd-lens";\nimport { two } from "./helper";\nconst x = torch.tensor(two, { requiresGrad: true });\nx.square().backward();\nexport const g = x.grad;\n';
fs.writeFileSync(SNIPPET, SNIPPET_TEXT);

const options: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ["lib.es2022.d.ts"], types: [] };

/** A minimal LanguageServiceHost over the real file system; `legacy` uses resolveModuleNames instead. */
function makeHost(resolver: "none" | "literals" | "names"): ts.LanguageServiceHost {
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => options,
    getScriptFileNames: () => [SNIPPET],
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => (fs.existsSync(f) ? ts.ScriptSnapshot.fromString(fs.readFileSync(f, "utf8")) : undefined),
    getCurrentDirectory: () => path.dirname(SNIPPET),
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  const resolutionHost: ts.ModuleResolutionHost = { fileExists: ts.sys.fileExists, readFile: ts.sys.readFile };
  if (resolver === "literals") {
    host.resolveModuleNameLiterals = (lits, file, redirected, opts, sf) =>
      lits.map((l) => ts.resolveModuleName(l.text, file, opts, resolutionHost, undefined, redirected, ts.getModeForUsageLocation(sf, l, opts)));
  } else if (resolver === "names") {
    host.resolveModuleNames = (names, file, _reused, redirected, opts) =>
      names.map((n) => ts.resolveModuleName(n, file, opts, resolutionHost, undefined, redirected).resolvedModule);
  }
  return host;
}

const messages = (ls: ts.LanguageService) =>
  [...ls.getSyntacticDiagnostics(SNIPPET), ...ls.getSemanticDiagnostics(SNIPPET)].map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));

describe("the plugin's module resolution (fake host, real language service)", () => {
  it("without the plugin, autograd-lens cannot be found", () => {
    const ls = ts.createLanguageService(makeHost("literals"));
    expect(messages(ls).join("\n")).toContain("Cannot find module 'autograd-lens'");
  });

  for (const resolver of ["literals", "names", "none"] as const) {
    it(`resolves autograd-lens to the declaration file and leaves other imports alone (host resolver: ${resolver})`, () => {
      const host = makeHost(resolver);
      const plugin = createPluginModule(ts, { defaultTypesFile: TYPES });
      const ls = plugin.create({
        languageService: ts.createLanguageService(host),
        languageServiceHost: host,
        config: { name: "autograd-lens-ts-plugin" },
      } as unknown as ts.server.PluginCreateInfo);
      expect(messages(ls)).toEqual([]);
      const at = SNIPPET_TEXT.indexOf("square");
      const info = ls.getQuickInfoAtPosition(SNIPPET, at);
      expect(ts.displayPartsToString(info?.displayParts)).toContain("Tensor.square(): Tensor");
      const program = ls.getProgram()!;
      expect(program.getSourceFile(TYPES)).toBeDefined();
      expect(program.getSourceFile(HELPER)).toBeDefined();
    });
  }

  it("never takes the declaration file from a workspace's plugin configuration", () => {
    const host = makeHost("literals");
    // The shipped file is missing here; a tsconfig's `typesFile` pointing at a real one is ignored.
    const plugin = createPluginModule(ts, { defaultTypesFile: path.join(tmp, "missing.d.ts") });
    const ls = plugin.create({ languageService: ts.createLanguageService(host), languageServiceHost: host, config: { typesFile: TYPES } } as unknown as ts.server.PluginCreateInfo);
    expect(messages(ls).length).toBeGreaterThan(0);
    expect(ls.getProgram()!.getSourceFile(TYPES)).toBeUndefined();
  });

  it("can be undone", () => {
    const host = makeHost("literals");
    const original = host.resolveModuleNameLiterals;
    const restore = patchModuleResolution(ts, host, () => TYPES);
    expect(host.resolveModuleNameLiterals).not.toBe(original);
    restore();
    expect(host.resolveModuleNameLiterals).toBe(original);
    expect(MODULE_NAME).toBe("autograd-lens");
  });
});

// ---- the real tsserver ----------------------------------------------------------------------------

const EXT = path.join(tmp, "extension");
const PLUGIN_DIR = path.join(EXT, "node_modules", "autograd-lens-ts-plugin");

interface TsServer {
  request(command: string, args: unknown): Promise<{ success: boolean; body?: unknown }>;
  notify(command: string, args: unknown): void;
  close(): void;
}

function startTsServer(extraArgs: string[]): TsServer {
  const tsserver = path.resolve("node_modules/typescript/lib/tsserver.js");
  const proc = spawn(process.execPath, [tsserver, "--disableAutomaticTypingAcquisition", "--useInferredProjectPerProjectRoot", ...extraArgs], {
    stdio: ["pipe", "pipe", "ignore"],
  });
  let buf = Buffer.alloc(0);
  const waiting = new Map<number, (r: { success: boolean; body?: unknown }) => void>();
  proc.stdout.on("data", (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const head = buf.indexOf("\r\n\r\n");
      if (head < 0) return;
      const len = Number(/Content-Length: (\d+)/.exec(buf.subarray(0, head).toString())?.[1]);
      if (buf.length < head + 4 + len) return;
      const msg = JSON.parse(buf.subarray(head + 4, head + 4 + len).toString()) as { type: string; request_seq?: number; success: boolean; body?: unknown };
      buf = buf.subarray(head + 4 + len);
      if (msg.type === "response" && msg.request_seq !== undefined) waiting.get(msg.request_seq)?.(msg);
    }
  });
  let seq = 0;
  return {
    request: (command, args) =>
      new Promise((resolve) => {
        const s = ++seq;
        waiting.set(s, resolve);
        proc.stdin.write(JSON.stringify({ seq: s, type: "request", command, arguments: args }) + "\n");
      }),
    notify: (command, args) => proc.stdin.write(JSON.stringify({ seq: ++seq, type: "request", command, arguments: args }) + "\n"),
    close: () => proc.kill(),
  };
}

describe("in the real tsserver, loaded like VS Code loads it", () => {
  const folder = path.join(tmp, "any-folder");
  const file = path.join(folder, "autograd-basics.ts");

  beforeAll(async () => {
    execFileSync(process.execPath, ["ts-plugin/build-types.mjs", "--out", path.join(EXT, "dist", "types", "autograd-lens.d.ts")], { stdio: "pipe" });
    await build({
      entryPoints: ["ts-plugin/index.ts"],
      outfile: path.join(PLUGIN_DIR, "index.js"),
      bundle: true,
      platform: "node",
      format: "cjs",
      target: "node20",
      logLevel: "silent",
    });
    fs.writeFileSync(path.join(PLUGIN_DIR, "package.json"), JSON.stringify({ name: "autograd-lens-ts-plugin", version: "0.0.0", main: "index.js" }));
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(file, textbook);
  }, 120_000);

  async function semanticErrors(server: TsServer): Promise<string[]> {
    server.notify("open", { file, projectRootPath: folder });
    const r = await server.request("semanticDiagnosticsSync", { file });
    return (r.body as Array<{ text: string }>).map((d) => d.text);
  }

  it("resolves the textbook example's import in a folder without node_modules: no errors, real types", async () => {
    const server = startTsServer(["--globalPlugins", "autograd-lens-ts-plugin", "--pluginProbeLocations", EXT]);
    try {
      expect(await semanticErrors(server)).toEqual([]);
      const lines = textbook.split("\n");
      const line = lines.findIndex((l) => l.includes("x1.square()")) + 1;
      const info = await server.request("quickinfo", { file, line, offset: lines[line - 1]!.indexOf("square") + 1 });
      expect((info.body as { displayString: string }).displayString).toContain("Tensor");
      const comp = await server.request("completionInfo", { file, line, offset: lines[line - 1]!.indexOf("square") + 1 });
      const names = (comp.body as { entries: Array<{ name: string }> }).entries.map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(["square", "backward", "retainGrad", "grad"]));
    } finally {
      server.close();
    }
  }, 60_000);

  it("without the plugin the same file does not type check", async () => {
    const server = startTsServer([]);
    try {
      expect((await semanticErrors(server)).join("\n")).toContain("Cannot find module 'autograd-lens'");
    } finally {
      server.close();
    }
  }, 60_000);
});
