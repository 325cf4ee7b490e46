// Shared by the transpile suites: every snippet is prepared, then really run against a fake `__lens`
// that records what the inserted calls saw.
import { tokenizer } from "acorn";
import { expect } from "vitest";
import { prepareScript, type PatternDescriptor, type PreparedScript } from "../../runner/transpile";
import type { RunError } from "../../shared/protocol";

// Every snippet is prepared, then really run against a fake `__lens` that records what the
// inserted calls saw; the assertions are on what the program computed and on those records.

export interface Bound {
  name: string;
  line: number;
  column: number;
  value: unknown;
}
export interface PatternBound {
  pattern: PatternDescriptor;
  line: number;
  column: number;
  value: unknown;
}
export interface Trace {
  binds: Bound[];
  patterns: PatternBound[];
  ticks: number[];
  requires: Array<{ spec: string; line: number; column: number }>;
  logs: unknown[][];
  /** Calls to the sandbox's own `require` (not the import rewriting). */
  plainRequires: string[];
  /** Function calls marked (transpile-calls.ts): "+name" on enter (with "(this)" for a method), "-" on exit. */
  calls: string[];
  /** The functions the script lists (for naming `calls`). */
  sites?: PreparedScript["functions"];
}

export const FAKE_MODULE = { torch: { name: "torch" }, nn: { name: "nn" }, default: { name: "default" } };
export const LINE_BREAK = /\r\n|\r|\n|\u2028|\u2029/;
/** Identifiers that only the transpiler writes (prefix, bind/tick/require calls). */
export const INSERTED_NAMES = new Set(["__lens", "bind", "bindPattern", "tick", "thrown", "require", "async", "enter", "exit", "__lensF", "__lensE", "__lensX"]);

export function prepare(source: string, language: "typescript" | "javascript" = "typescript"): PreparedScript {
  const r = prepareScript(source, language, "snippet.ts");
  if (!r.ok) throw new Error(`prepareScript failed: ${JSON.stringify(r.error)}\n${source}`);
  return r.script;
}

export function refusal(source: string, language: "typescript" | "javascript" = "typescript"): RunError {
  const r = prepareScript(source, language, "snippet.ts");
  if (r.ok) throw new Error(`expected a refusal, got:\n${r.script.code}`);
  return r.error;
}

export function newTrace(): Trace {
  return { binds: [], patterns: [], ticks: [], requires: [], logs: [], plainRequires: [], calls: [] };
}

export function fakeLens(trace: Trace, module: unknown): Record<string, unknown> {
  return {
    bind<T>(value: T, name: string, line: number, column: number): T {
      trace.binds.push({ name, line, column, value });
      return value;
    },
    bindPattern<T>(value: T, pattern: PatternDescriptor, line: number, column: number): T {
      trace.patterns.push({ pattern, line, column, value });
      return value;
    },
    tick(k: number): void {
      trace.ticks.push(k);
    },
    enter(k: number, ...self: unknown[]): number {
      trace.calls.push(`+${trace.sites?.[k]?.name ?? k}${self.length ? "(this)" : ""}`);
      return trace.calls.length;
    },
    exit(): void {
      trace.calls.push("-");
    },
    thrown<T>(value: T): T {
      return value;
    },
    require(spec: string, line: number, column: number): unknown {
      trace.requires.push({ spec, line, column });
      return module;
    },
  };
}

/** Prepare and run a snippet; `return` at top level gives the result. */
export async function run(
  source: string,
  options: { language?: "typescript" | "javascript"; module?: unknown } = {},
): Promise<{ result: unknown; trace: Trace; script: PreparedScript }> {
  const script = prepare(source, options.language);
  const trace = newTrace();
  trace.sites = script.functions;
  const sandboxRequire = (spec: string): unknown => {
    trace.plainRequires.push(spec);
    return { spec };
  };
  const console = { log: (...args: unknown[]) => void trace.logs.push(args) };
  // The code is one expression statement; `return` hands its Promise to us.
  const fn = new Function("__lens", "require", "console", `return ${script.code}`) as (
    lens: unknown,
    req: unknown,
    con: unknown,
  ) => Promise<unknown>;
  const result = await fn(fakeLens(trace, options.module ?? FAKE_MODULE), sandboxRequire, console);
  return { result, trace, script };
}

export function lines(s: string): string[] {
  return s.split(LINE_BREAK);
}

/** The text of `source` at a 1-based position. */
export function at(source: string, line: number, column: number, length: number): string {
  return lines(source)[line - 1].slice(column - 1, column - 1 + length);
}

/** 1-based position of the n-th occurrence of `needle` in source. */
export function find(source: string, needle: string, nth = 0): { line: number; column: number } {
  let from = 0;
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = source.indexOf(needle, from);
    if (i < 0) throw new Error(`"${needle}" not found`);
    from = i + 1;
  }
  const before = source.slice(0, i);
  const ls = lines(before);
  return { line: ls.length, column: ls[ls.length - 1].length + 1 };
}

/** 1-based position of `needle` in the generated code. */
export function findGenerated(script: PreparedScript, needle: string, nth = 0): { line: number; column: number } {
  return find(script.code, needle, nth);
}

/**
 * Layout guarantees: same line count (+1 for the wrapper's closing line), no line shorter than the
 * user's, and on every line without insertions each character is the user's or a blank (or one of
 * the `;`, `(`, `)` the ASI rules write over a blanked character).
 */
export function checkLayout(source: string, script: PreparedScript): void {
  const src = lines(source);
  const gen = lines(script.code);
  expect(gen.length).toBe(src.length + 1);
  expect(gen[gen.length - 1]).toBe("})()");
  const prefix = '(async () => { "use strict"; ';
  const calls = "const __lensE = __lens.enter, __lensX = __lens.exit; ";
  expect(gen[0].startsWith(prefix)).toBe(true);
  gen[0] = gen[0].slice(prefix.length);
  if (gen[0].startsWith(calls)) gen[0] = gen[0].slice(calls.length);
  src.forEach((s, i) => {
    let g = gen[i];
    // The import rewrite writes `const ` over `import`, `;void ` over `export` (same lengths).
    if (s.startsWith("import") && g.startsWith("const ")) g = `import${g.slice(6)}`;
    if (s.startsWith("export") && g.startsWith(";void ")) g = `export${g.slice(6)}`;
    expect(g.length, `line ${i + 1}`).toBeGreaterThanOrEqual(s.length);
    if (g.length !== s.length) return;
    for (let c = 0; c < s.length; c++) {
      if (g[c] === s[c]) continue;
      expect(" ;():".includes(g[c]), `line ${i + 1} column ${c + 1}: "${s[c]}" became "${g[c]}"`).toBe(true);
      expect(s[c]).not.toBe(" ");
    }
  });
}

/** Every identifier in the output maps back (toSource) onto the same identifier in the source. */
export function checkIdentifiers(source: string, script: PreparedScript): number {
  let mapped = 0;
  for (const tok of tokenizer(script.code, { ecmaVersion: "latest", locations: true })) {
    if (tok.type.label !== "name" || !tok.loc) continue;
    const name = script.code.slice(tok.start, tok.end);
    const pos = script.toSource(tok.loc.start.line, tok.loc.start.column + 1);
    if (at(source, pos.line, pos.column, name.length) === name) {
      mapped++;
      continue;
    }
    expect(INSERTED_NAMES.has(name), `${name} at generated ${tok.loc.start.line}:${tok.loc.start.column + 1}`).toBe(true);
  }
  return mapped;
}

// ---------------------------------------------------------------------------------------------
