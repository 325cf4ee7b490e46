// Packaging the extension for the e2e suite: a copy of the working tree, then `vsce package`.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { REPO_ROOT, tail, runLogged } from "./code-server";

/**
 * Copies the repository's working tree (tracked and untracked files that are not git-ignored, as
 * `git ls-files` lists them) to `dest`, so a build and `vsce package` can run there without touching
 * the repository's dist/ (which other processes may rebuild meanwhile). `dest` must lie inside the
 * repository (e.g. under the git-ignored .cache/) so that Node finds the repository's node_modules
 * from there; the build writes what it generates (dist/, the TS server plugin under node_modules/)
 * into the copy. Returns `dest`.
 */
export function stageWorkingTree(dest: string, repo = REPO_ROOT): string {
  const listed = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${repo}: ${listed.stderr}`);
  for (const rel of listed.stdout.split("\0").filter(Boolean)) {
    const from = path.join(repo, rel);
    if (!fs.existsSync(from)) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, rel));
  }
  return dest;
}

/**
 * Packages the extension in `dir` with the repository's vsce (`vsce package --out FILE`, plus
 * `args`) and returns the .vsix path. vsce runs the package's `vscode:prepublish` script first and
 * takes what `npm list --production` reports plus the files .vscodeignore lets through: no
 * `--no-dependencies`, which would also drop what the extension ships under node_modules/ (our
 * TypeScript server plugin).
 */
export async function packageExtension(dir: string, outFile = path.join(dir, "extension.vsix"), args: string[] = []): Promise<string> {
  const vsce = path.join(REPO_ROOT, "node_modules", "@vscode", "vsce", "vsce");
  const logFile = path.join(os.tmpdir(), `vsce-${process.pid}.log`);
  fs.rmSync(outFile, { force: true });
  const result = await runLogged(process.execPath, [vsce, "package", "--out", outFile, ...args], {
    cwd: dir,
    env: process.env,
    logFile,
    timeout: 300_000,
  });
  fs.rmSync(logFile, { force: true });
  if (result.code !== 0 || !fs.existsSync(outFile)) throw new Error(`vsce package failed in ${dir} (exit ${result.code}):\n${tail(result.output)}`);
  return outFile;
}
