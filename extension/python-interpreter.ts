// Which Python runs a .py file: the interpreter the Python extension (ms-python.python) has selected
// for it, through that extension's published API, when it is installed; else the
// autogradLens.pythonPath setting; else python3. And the message, with a way out, when that
// interpreter is missing or has no torch.
//
// The API is read structurally from the extension's exports (the shape @vscode/python-extension
// documents: environments.getActiveEnvironmentPath / resolveEnvironment, and the older
// settings.getExecutionDetails), so nothing is added to the .vsix for it.
import * as vscode from "vscode";
import { DEFAULT_PYTHON, type InterpreterProblem } from "../runner/python-runner";
import { SECTION, SETTINGS } from "./settings";

export const PYTHON_EXTENSION_ID = "ms-python.python";

export interface Interpreter {
  /** A path, or a command on PATH. */
  command: string;
  /** Where it came from, for messages. */
  source: "python-extension" | "setting" | "default";
}

type Fn = (...args: unknown[]) => unknown;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const fnOf = (o: unknown, key: string): Fn | undefined => (isObj(o) && typeof o[key] === "function" ? (o[key] as Fn).bind(o) : undefined);

/** The Python extension's interpreter for a file, or undefined (not installed, no answer, an error). */
async function fromPythonExtension(uri: vscode.Uri): Promise<string | undefined> {
  const ext = vscode.extensions.getExtension(PYTHON_EXTENSION_ID);
  if (!ext) return undefined;
  try {
    const api: unknown = ext.isActive ? ext.exports : await ext.activate();
    const environments = isObj(api) ? api["environments"] : undefined;
    const active = fnOf(environments, "getActiveEnvironmentPath");
    const resolve = fnOf(environments, "resolveEnvironment");
    if (active) {
      const envPath = active(uri);
      const resolved = resolve ? await Promise.resolve(resolve(envPath)) : undefined;
      const executable = isObj(resolved) ? resolved["executable"] : undefined;
      const exeUri = isObj(executable) ? executable["uri"] : undefined;
      if (exeUri instanceof vscode.Uri) return exeUri.fsPath;
      if (isObj(envPath) && typeof envPath["path"] === "string" && envPath["path"]) return envPath["path"];
    }
    // The older API: settings.getExecutionDetails(resource).execCommand = [python, ...args].
    const details = fnOf(isObj(api) ? api["settings"] : undefined, "getExecutionDetails");
    const exec = details ? details(uri) : undefined;
    const command = isObj(exec) ? exec["execCommand"] : undefined;
    if (Array.isArray(command) && typeof command[0] === "string" && command[0]) return command[0];
  } catch {
    // The extension failed or changed its API: fall back to our setting.
  }
  return undefined;
}

/** The interpreter for a document, by the order above. */
export async function interpreterFor(uri: vscode.Uri): Promise<Interpreter> {
  const fromExtension = await fromPythonExtension(uri);
  if (fromExtension) return { command: fromExtension, source: "python-extension" };
  const setting = vscode.workspace.getConfiguration(SECTION, uri).get<unknown>(SETTINGS.pythonPath);
  if (typeof setting === "string" && setting.trim()) return { command: setting.trim(), source: "setting" };
  return { command: DEFAULT_PYTHON, source: "default" };
}

const CHOOSE = "Choose Interpreter";
const shownFor = new Set<string>();

/**
 * Tell the user the interpreter cannot trace (the run's error already says why, naming it) and offer
 * to pick another: the Python extension's picker when it is installed, else a file dialog that sets
 * autogradLens.pythonPath. Automatic runs say it once per interpreter; commands every time.
 */
export async function reportInterpreterProblem(problem: InterpreterProblem, message: string, interpreter: Interpreter, fromCommand: boolean, uri?: vscode.Uri): Promise<void> {
  const key = `${problem}|${interpreter.command}`;
  if (!fromCommand && shownFor.has(key)) return;
  shownFor.add(key);
  const origin = interpreter.source === "python-extension" ? " (the Python extension's interpreter)" : interpreter.source === "setting" ? " (autogradLens.pythonPath)" : "";
  const choice = await vscode.window.showErrorMessage(`Autograd Lens: ${message.split("\n")[0]}${origin}`, CHOOSE);
  if (choice !== CHOOSE) return;
  if (vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
    await vscode.commands.executeCommand("python.setInterpreter");
    return;
  }
  const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: "Use this Python", title: "Autograd Lens: a Python interpreter with PyTorch" });
  if (!picked?.[0]) return;
  // Where the setting is set now (a folder's .vscode/settings.json wins over the user's): there.
  const config = vscode.workspace.getConfiguration(SECTION, uri);
  const set = config.inspect<unknown>(SETTINGS.pythonPath);
  const target =
    set?.workspaceFolderValue !== undefined && uri
      ? vscode.ConfigurationTarget.WorkspaceFolder
      : set?.workspaceValue !== undefined
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
  await config.update(SETTINGS.pythonPath, picked[0].fsPath, target);
}
