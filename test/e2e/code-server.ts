// code-server (VS Code 1.139 served to a browser, installed by test/e2e/setup.mjs into CACHE_DIR):
// its manifest, starting and stopping it (the whole process group), its logs and leftover processes.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** Where test/e2e/setup.mjs installs Node 24 and code-server (outside the repository, shared by clones). */
export const CACHE_DIR = path.resolve(process.env.E2E_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "autograd-lens-e2e"));
/** Set E2E_KEEP=1 to keep each server's temp folder (user data, logs) after stop(). */
const KEEP_TEMP = process.env.E2E_KEEP === "1";

/** What test/e2e/setup.mjs wrote into CACHE_DIR/manifest.json. */
export interface E2eManifest {
  nodeVersion: string;
  codeServerVersion: string;
  vscodeVersion: string;
  /** The Node 24 binary code-server runs on. */
  node: string;
  /** code-server's out/node/entry.js. */
  codeServerEntry: string;
}

export function readManifest(): E2eManifest {
  const file = path.join(CACHE_DIR, "manifest.json");
  let manifest: E2eManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, "utf8")) as E2eManifest;
  } catch {
    throw new Error(`no ${file}: run \`node test/e2e/setup.mjs\` first (installs Node 24 and code-server into ${CACHE_DIR})`);
  }
  for (const f of [manifest.node, manifest.codeServerEntry]) {
    if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`node test/e2e/setup.mjs\` again`);
  }
  return manifest;
}

/**
 * User settings every server starts with: a plain window (no workspace trust prompt, no AI/chat,
 * no welcome page or walkthroughs, no secondary side bar) and nothing that phones home.
 */
export const DEFAULT_SETTINGS: Readonly<Record<string, unknown>> = {
  "security.workspace.trust.enabled": false,
  "chat.disableAIFeatures": true,
  "workbench.startupEditor": "none",
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "update.showReleaseNotes": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "git.enabled": false,
  "git.openRepositoryInParentFolders": "never",
  "npm.fetchOnlinePackageInfo": false,
  "typescript.disableAutomaticTypeAcquisition": true,
  "workbench.settings.enableNaturalLanguageSearch": false,
  "editor.hover.delay": 200,
};

export interface StartOptions {
  /** .vsix file(s) installed with `--install-extension` before the server starts. */
  vsix?: string | string[];
  /** The folder the server opens by default (openWorkbench opens a folder explicitly anyway). */
  workspace: string;
  /** User settings, merged over DEFAULT_SETTINGS. */
  settings?: Record<string, unknown>;
  /** Fixed port; by default a free one. */
  port?: number;
  /** Extra environment for code-server and its extension host. */
  env?: Record<string, string>;
  /** How long to wait for the HTTP server (ms). */
  timeout?: number;
  /**
   * Workspace Trust on (the folder opens in Restricted Mode until trusted): no
   * `--disable-workspace-trust`, and `security.workspace.trust.enabled` true. Off by default.
   */
  workspaceTrust?: boolean;
}

export interface CodeServer {
  /** http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  port: number;
  /** Temp folder holding everything below (removed by stop() unless E2E_KEEP=1). */
  tempDir: string;
  userDataDir: string;
  extensionsDir: string;
  /** code-server's stdout and stderr (and the --install-extension runs). VS Code's own logs are in userDataDir/logs. */
  logFile: string;
  /** The current log text. */
  log(): string;
  /** Stops code-server and everything it started; removes tempDir unless E2E_KEEP=1. */
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("no port"));
      });
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

/** The environment code-server gets: no VS Code variables leaking in, XDG folders inside tempDir. */
function serverEnv(tempDir: string, extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("VSCODE_") || key.startsWith("npm_") || key === "ELECTRON_RUN_AS_NODE" || key === "NODE_OPTIONS") continue;
    env[key] = value;
  }
  // code-server writes a default config, logs and a heartbeat under the XDG folders; VS Code a device id.
  for (const name of ["CONFIG", "DATA", "CACHE", "STATE"]) {
    env[`XDG_${name}_HOME`] = path.join(tempDir, "xdg", name.toLowerCase());
  }
  return { ...env, ...extra };
}

/** Runs a process to completion, appending its output to `logFile`. */
export function runLogged(command: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd: string; logFile: string; timeout: number }): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    fs.appendFileSync(options.logFile, `\n$ ${command} ${args.join(" ")}\n`);
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      fs.appendFileSync(options.logFile, chunk);
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeout);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** Servers still running, killed if the test process exits without stop(). */
const running = new Set<number>();
let exitHookInstalled = false;
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of running) killGroup(pid, "SIGKILL");
  });
}

/**
 * Starts code-server on 127.0.0.1 (a free port, no auth) with a fresh user-data and extensions
 * folder, installs the given .vsix files first, and resolves once the HTTP server answers.
 */
export async function startCodeServer(options: StartOptions): Promise<CodeServer> {
  const manifest = readManifest();
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "autograd-lens-e2e-"));
  const userDataDir = path.join(tempDir, "user-data");
  const extensionsDir = path.join(tempDir, "extensions");
  const logFile = path.join(tempDir, "code-server.log");
  const configFile = path.join(tempDir, "config.yaml");
  fs.mkdirSync(path.join(userDataDir, "User"), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const trust = options.workspaceTrust === true;
  const settings = { ...DEFAULT_SETTINGS, ...(trust ? { "security.workspace.trust.enabled": true } : {}), ...options.settings };
  fs.writeFileSync(path.join(userDataDir, "User", "settings.json"), JSON.stringify(settings, null, 2));
  // Without a config file code-server writes one (with a random password) under ~/.config.
  fs.writeFileSync(configFile, "auth: none\ncert: false\n");
  fs.writeFileSync(logFile, "");
  const env = serverEnv(tempDir, options.env);
  const common = ["--config", configFile, "--user-data-dir", userDataDir, "--extensions-dir", extensionsDir];
  const log = (): string => fs.readFileSync(logFile, "utf8");

  const vsixFiles = options.vsix === undefined ? [] : Array.isArray(options.vsix) ? options.vsix : [options.vsix];
  for (const vsix of vsixFiles) {
    if (!fs.existsSync(vsix)) throw new Error(`no such .vsix: ${vsix}`);
    const result = await runLogged(manifest.node, [manifest.codeServerEntry, ...common, "--force", "--install-extension", path.resolve(vsix)], {
      env,
      cwd: tempDir,
      logFile,
      timeout: 120_000,
    });
    if (result.code !== 0 || !/successfully installed/i.test(result.output)) {
      throw new Error(`installing ${vsix} into code-server failed (exit ${result.code}); log ${logFile}:\n${tail(result.output)}`);
    }
  }

  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const out = fs.openSync(logFile, "a");
  fs.writeSync(out, `\n$ code-server on ${url} (${manifest.codeServerVersion}, VS Code ${manifest.vscodeVersion}, Node ${manifest.nodeVersion})\n`);
  const args = [
    manifest.codeServerEntry,
    ...common,
    "--auth",
    "none",
    "--bind-addr",
    `127.0.0.1:${port}`,
    "--disable-telemetry",
    "--disable-update-check",
    ...(trust ? [] : ["--disable-workspace-trust"]),
    "--disable-getting-started-override",
    path.resolve(options.workspace),
  ];
  // Its own process group, so stop() can end code-server together with its extension hosts and watchers.
  const child = spawn(manifest.node, args, { cwd: tempDir, env, stdio: ["ignore", out, out], detached: true });
  fs.closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`code-server did not start; log ${logFile}`);
  running.add(pid);
  installExitHook();
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.on("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      killGroup(pid, "SIGTERM");
      await Promise.race([exitPromise, sleep(10_000)]);
    }
    killGroup(pid, "SIGKILL"); // whatever of the group is left (extension hosts, file watchers)
    running.delete(pid);
    if (!KEEP_TEMP) fs.rmSync(tempDir, { recursive: true, force: true, maxRetries: 3 });
  };

  const deadline = Date.now() + (options.timeout ?? 60_000);
  for (;;) {
    if (exited) {
      const text = log();
      await stop();
      throw new Error(`code-server exited (${exited.signal ?? `exit ${exited.code}`}) before answering on ${url}:\n${tail(text)}`);
    }
    try {
      const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const text = log();
      await stop();
      throw new Error(`code-server did not answer on ${url} within ${options.timeout ?? 60_000} ms:\n${tail(text)}`);
    }
    await sleep(200);
  }
  return { url, port, tempDir, userDataDir, extensionsDir, logFile, log, stop };
}

/**
 * The lines of one of an extension's log output channels (`createOutputChannel(name, { log: true })`),
 * from the server's log folder (the extension host runs on the server); [] when not written yet.
 */
export function readExtensionLog(server: CodeServer, extensionId: string, channel: string): string[] {
  const logs = path.join(server.userDataDir, "logs");
  const out: string[] = [];
  if (!fs.existsSync(logs)) return out;
  for (const session of fs.readdirSync(logs).sort()) {
    const sessionDir = path.join(logs, session);
    if (!fs.statSync(sessionDir).isDirectory()) continue;
    for (const host of fs.readdirSync(sessionDir).filter((d) => d.startsWith("exthost")).sort()) {
      const file = path.join(sessionDir, host, extensionId, `${channel}.log`);
      if (fs.existsSync(file)) out.push(...fs.readFileSync(file, "utf8").split("\n").filter((l) => l.trim()));
    }
  }
  return out;
}

/** Pids of the processes whose command line contains `text` (Linux: /proc). */
export function processesMatching(text: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      if (cmdline.includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}
