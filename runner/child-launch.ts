// How the sandbox child process is started (pure Node, no vscode): Node's permission model, a
// minimal environment and its own process group. This is the process-level half of the boundary;
// the other half is the snippet's vm context (lens-runtime.ts), where nothing of the runner's realm is
// reachable. If code ever got out of the context, the permission model still denies it the file
// system (beyond reading the two files the child is made of), child processes, worker threads and
// native addons, and the environment holds nothing of the user's.
import * as path from "node:path";

export interface ChildLaunch {
  execArgv: string[];
  env: NodeJS.ProcessEnv;
  /** Own process group on POSIX (killed as a group); not on Windows (it would open a console). */
  detached: boolean;
  /** Which permission flag this Node calls it, or null when it has none (then only the context holds). */
  permissionFlag: string | null;
}

/** The child's one argument: it is a spare, booted ahead of its run (it warms up before saying it is ready). */
export const SPARE_ARG = "--spare";

/** Environment variables the child keeps (when the host has them): what the runtime itself needs. */
const KEPT_ENV = [
  // The extension host is Electron: fork() runs the same binary, which must act as plain Node.
  "ELECTRON_RUN_AS_NODE",
  // Windows needs these to start a process at all.
  "SystemRoot",
  "SYSTEMROOT",
  "windir",
] as const;

/** `--permission` (Node ≥ 23.5, code-server's Node 24), `--experimental-permission` (Node 20–22), or null. */
export function permissionFlag(allowed: ReadonlySet<string> = process.allowedNodeEnvironmentFlags): string | null {
  if (allowed.has("--permission")) return "--permission";
  if (allowed.has("--experimental-permission")) return "--experimental-permission";
  return null;
}

export function childLaunch(childPath: string, heapMb: number, env: NodeJS.ProcessEnv = process.env): ChildLaunch {
  const flag = permissionFlag();
  const dir = path.dirname(childPath);
  const execArgv = [`--max-old-space-size=${heapMb}`, "--experimental-vm-modules", "--no-warnings"];
  if (flag) {
    // Reads only of the child's own bundle and the engine it evaluates; nothing else is allowed
    // (no writes, no child processes, no workers, no addons, no WASI: the model denies what is not granted).
    execArgv.push(flag, `--allow-fs-read=${childPath}`, `--allow-fs-read=${path.join(dir, "engine.js")}`);
  }
  const kept: NodeJS.ProcessEnv = {};
  for (const k of KEPT_ENV) if (env[k] !== undefined) kept[k] = env[k];
  // process.execPath is Electron in VS Code's extension host: it must run the child as Node.
  if (process.versions.electron) kept["ELECTRON_RUN_AS_NODE"] = "1";
  return { execArgv, env: kept, detached: process.platform !== "win32", permissionFlag: flag };
}
