// The TypeScript server plugin's logic: make `import { torch } from "autograd-lens"` resolve, in any
// folder and without npm install, to the declaration file the extension ships
// (dist/types/autograd-lens.d.ts, built by ts-plugin/build-types.mjs). The plugin wraps the
// project's module resolution (LanguageServiceHost.resolveModuleNameLiterals, or the older
// resolveModuleNames): "autograd-lens" → that file, every other name → the original resolution.
// The declaration file is a script of ambient modules (`declare module "autograd-lens" { ... }`), so
// once resolution has brought it into the program, the import type checks and completes.
//
// Only types are imported from TypeScript: at run time the plugin uses the `typescript` module that
// tsserver hands it (VS Code's own TypeScript, or the workspace's).
import type * as ts from "typescript/lib/tsserverlibrary";

export const MODULE_NAME = "autograd-lens";
/** The declaration file, relative to the folder of the built plugin (node_modules/autograd-lens-ts-plugin/). */
export const DEFAULT_TYPES_FROM_PLUGIN_DIR = ["..", "..", "dist", "types", `${MODULE_NAME}.d.ts`];

type Ts = typeof ts;
type Host = ts.LanguageServiceHost;


function resolvedTo(tsm: Ts, typesFile: string): ts.ResolvedModuleWithFailedLookupLocations {
  return {
    resolvedModule: {
      resolvedFileName: typesFile,
      extension: tsm.Extension.Dts,
      // Like a package from node_modules: its own diagnostics are not the user's problem.
      isExternalLibraryImport: true,
      resolvedUsingTsExtension: false,
    },
  } as ts.ResolvedModuleWithFailedLookupLocations;
}

/** The host as a ModuleResolutionHost for ts.resolveModuleName (when it has no resolver of its own). */
function resolutionHost(tsm: Ts, host: Host): ts.ModuleResolutionHost {
  return {
    fileExists: (f) => (host.fileExists ? host.fileExists(f) : tsm.sys.fileExists(f)),
    readFile: (f) => (host.readFile ? host.readFile(f) : tsm.sys.readFile(f)),
    realpath: host.realpath ? (f) => host.realpath!(f) : tsm.sys.realpath,
    directoryExists: host.directoryExists ? (d) => host.directoryExists!(d) : tsm.sys.directoryExists,
    getCurrentDirectory: () => host.getCurrentDirectory(),
    getDirectories: host.getDirectories ? (d) => host.getDirectories!(d) : tsm.sys.getDirectories,
    useCaseSensitiveFileNames: typeof host.useCaseSensitiveFileNames === "function" ? host.useCaseSensitiveFileNames() : tsm.sys.useCaseSensitiveFileNames,
  };
}

/**
 * Wrap the host's module resolution in place. Returns a function that restores the original methods.
 * `typesFile()` is read on every resolution, so a configuration change takes effect on the next one.
 */
export function patchModuleResolution(tsm: Ts, host: Host, typesFile: () => string): () => void {
  const originalLiterals = host.resolveModuleNameLiterals;
  const originalNames = host.resolveModuleNames;

  if (originalLiterals || !originalNames) {
    // With no resolver on the host (a plain LanguageServiceHost), TypeScript's own resolution is the fallback.
    const fallback: NonNullable<Host["resolveModuleNameLiterals"]> = (literals, containingFile, redirected, options, sourceFile) =>
      literals.map((lit) =>
        tsm.resolveModuleName(lit.text, containingFile, options, resolutionHost(tsm, host), undefined, redirected, tsm.getModeForUsageLocation(sourceFile, lit, options)),
      );
    const resolveOthers = originalLiterals ? originalLiterals.bind(host) : fallback;
    host.resolveModuleNameLiterals = (literals, containingFile, redirected, options, sourceFile, reusedNames) => {
      if (!literals.some((l) => l.text === MODULE_NAME)) return resolveOthers(literals, containingFile, redirected, options, sourceFile, reusedNames);
      const others = literals.filter((l) => l.text !== MODULE_NAME);
      const resolvedOthers = others.length ? resolveOthers(others, containingFile, redirected, options, sourceFile, reusedNames?.filter((l) => l.text !== MODULE_NAME)) : [];
      let k = 0;
      const ours = resolvedTo(tsm, typesFile());
      return literals.map((l) => (l.text === MODULE_NAME ? ours : resolvedOthers[k++]!));
    };
  } else {
    const original = originalNames.bind(host);
    host.resolveModuleNames = (names, containingFile, reusedNames, redirected, options, sourceFile) => {
      if (!names.includes(MODULE_NAME)) return original(names, containingFile, reusedNames, redirected, options, sourceFile);
      const others = names.filter((n) => n !== MODULE_NAME);
      const resolvedOthers = others.length ? original(others, containingFile, reusedNames?.filter((n) => n !== MODULE_NAME), redirected, options, sourceFile) : [];
      let k = 0;
      const ours = resolvedTo(tsm, typesFile()).resolvedModule;
      return names.map((n) => (n === MODULE_NAME ? ours : resolvedOthers[k++]));
    };
  }

  return () => {
    host.resolveModuleNameLiterals = originalLiterals;
    host.resolveModuleNames = originalNames;
  };
}

/** A language service that is the original one with every method bound (plugins return a proxy object). */
function proxyLanguageService(ls: ts.LanguageService): ts.LanguageService {
  const proxy = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(ls) as Array<keyof ts.LanguageService>) {
    const member = ls[key];
    proxy[key] = typeof member === "function" ? (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(ls, args) : member;
  }
  return proxy as unknown as ts.LanguageService;
}

export interface PluginOptions {
  /** Default declaration file (absolute). */
  defaultTypesFile: string;
}

/**
 * The plugin module for tsserver: `module.exports = (mod) => createPluginModule(mod.typescript, options)`.
 * The declaration file is always the one the extension ships: a workspace's tsconfig `plugins` entry
 * (a `typesFile` there) is not read, so a folder cannot make tsserver load a file of its choosing.
 */
export function createPluginModule(tsm: Ts, options: PluginOptions): ts.server.PluginModule {
  const typesFile = () => options.defaultTypesFile;
  return {
    create(info) {
      patchModuleResolution(tsm, info.languageServiceHost, typesFile);
      try {
        info.project?.projectService?.logger?.info(`autograd-lens-ts-plugin: "${MODULE_NAME}" resolves to ${typesFile()}`);
      } catch {
        // Logging is best effort.
      }
      return proxyLanguageService(info.languageService);
    },
  };
}
