// torch.nn.Module. A module is callable (`model(x)` runs `model.forward(x)`, as Python's __call__):
// its constructor returns a function object whose prototype is the module class's prototype, so
// `instanceof nn.Module` holds, methods and fields work, and no Proxy sits in the way.
//
// Registration: JavaScript sets a subclass's class fields after super() returns, so a Module cannot
// see them being assigned. Instead it finds them when asked: parameters(), children(), stateDict()…
// read the module's own enumerable fields in order, and a field holding an nn.Parameter is a
// parameter, one holding a Module a child, one named by registerBuffer a buffer. Re-assigning a
// field (`model.fc = new nn.Linear(…)`) therefore just works.
import { Tensor } from "../tensor";
import { withGradMode } from "../grad_mode";
import { Parameter } from "./parameter";
import { formatShape } from "../shape";
import { observer } from "../autograd/observer";

/** Dotted names given by the module system (so a later, more qualified one may replace them). */
const autoNames = new WeakMap<Tensor, string>();
/** Empty parameter lists made by parameters(), with why they may be empty (see emptyParameterListHint). */
const emptyListHints = new WeakMap<object, string>();
let callDepth = 0;
/** Modules whose toString is running (a module containing itself must not recurse forever). */
const printing = new Set<Module>();

/** Options of loadStateDict. */
export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

// Instances are functions (see the constructor); this interface gives them the call signature of
// their own forward, so `model(x)` is typed like `model.forward(x)`. Merging it into the class is
// the point (the class cannot declare a call signature itself); the constructor makes it true.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see above
export interface Module {
  (...args: Parameters<this["forward"]>): ReturnType<this["forward"]>;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- see above
export class Module {
  /** True in training mode (dropout drops, batch norm uses batch statistics); see train()/eval(). */
  declare training: boolean;
  /** @internal names of this module's own buffers */
  declare _buffers: Map<string, { persistent: boolean }>;

  constructor() {
    const call = (...args: unknown[]): unknown => callModule(call as unknown as Module, args);
    // A function's own `length` and `name` would shadow fields and getters of that name.
    Reflect.deleteProperty(call, "length");
    Reflect.deleteProperty(call, "name");
    Object.setPrototypeOf(call, new.target.prototype);
    Object.defineProperty(call, "training", { value: true, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(call, "_buffers", { value: new Map(), writable: false, enumerable: false, configurable: true });
    return call as unknown as Module;
  }

  /** What the module computes; subclasses define it. Call the module itself (`model(x)`) to run it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each subclass declares its own signature
  forward(..._args: any[]): any {
    throw new TypeError(`Module [${typeName(this)}] is missing the required "forward" function.`);
  }

  /** The class name PyTorch prints (engine classes keep theirs through minification). */
  _getName(): string {
    const c = this.constructor as { torchName?: string; name?: string };
    if (Object.prototype.hasOwnProperty.call(c, "torchName") && typeof c.torchName === "string") return c.torchName;
    return typeof c.name === "string" && c.name !== "" ? c.name : "Module";
  }

  /** The one-line description inside the parentheses of the printed form, e.g. `in_features=2, …`. */
  extraRepr(): string {
    return "";
  }

  /** @internal The module's own [name, value] entries, in order (fields; containers override). */
  _entries(): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = [];
    for (const k of Object.keys(this)) out.push([k, (this as unknown as Record<string, unknown>)[k]]);
    return out;
  }

  // ---- registration -----------------------------------------------------------------------------

  /** Same as assigning `this[name] = param` (PyTorch's register_parameter); undefined/null registers nothing. */
  registerParameter(name: string, param: Parameter | null | undefined): void {
    checkName(this, name, "registerParameter");
    if (param !== null && param !== undefined && !(param instanceof Parameter)) {
      throw new TypeError(`registerParameter: cannot assign ${describe(param)} as parameter '${name}' (nn.Parameter or null expected).`);
    }
    this._buffers.delete(name);
    setField(this, name, param ?? null);
  }

  /** A tensor that is part of the module's state but not a parameter (e.g. BatchNorm's running mean). */
  registerBuffer(name: string, tensor: Tensor | null | undefined, persistent = true): void {
    checkName(this, name, "registerBuffer");
    if (tensor !== null && tensor !== undefined && !(tensor instanceof Tensor)) {
      throw new TypeError(`registerBuffer: cannot assign ${describe(tensor)} as buffer '${name}' (Tensor or null expected).`);
    }
    if (tensor instanceof Parameter) throw new TypeError(`registerBuffer: '${name}' is an nn.Parameter; register it with registerParameter or assign it as a field.`);
    this._buffers.set(name, { persistent });
    setField(this, name, tensor ?? null);
  }

  /** Same as assigning `this[name] = module` (PyTorch's add_module / register_module). */
  addModule(name: string, module: Module | null | undefined): void {
    checkName(this, name, "addModule");
    if (module !== null && module !== undefined && !(module instanceof Module)) {
      throw new TypeError(`addModule: ${describe(module)} is not a Module subclass.`);
    }
    setField(this, name, module ?? null);
  }
  registerModule(name: string, module: Module | null | undefined): void {
    this.addModule(name, module);
  }

  // ---- walking --------------------------------------------------------------------------------------

  /** Direct sub-modules with their field names, in order (each module once). */
  namedChildren(): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    for (const [k, v] of this._entries()) {
      if (v instanceof Module && !seen.has(v)) {
        seen.add(v);
        out.push([k, v]);
      }
    }
    return out;
  }
  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every sub-module, depth first, with dotted names ("" for this one). */
  namedModules(prefix = ""): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const walk = (m: Module, p: string, depth: number) => {
      if (seen.has(m)) return;
      if (depth > 100) throw new RangeError("namedModules: modules nested more than 100 deep (a module containing itself?).");
      seen.add(m);
      out.push([p, m]);
      for (const [k, c] of m.namedChildren()) walk(c, p === "" ? k : `${p}.${k}`, depth + 1);
    };
    walk(this, prefix, 0);
    return out;
  }
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted names ("fc.weight"): each module's own, then its children's; each once. */
  namedParameters(prefix = "", recurse = true): Array<[string, Parameter]> {
    const out: Array<[string, Parameter]> = [];
    const seen = new Set<Tensor>();
    const mods: Array<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k, v] of m._entries()) {
        if (v instanceof Parameter && !m._buffers.has(k) && !seen.has(v)) {
          seen.add(v);
          out.push([mp === "" ? k : `${mp}.${k}`, v]);
        }
      }
    }
    if (prefix === "") nameTensors(out);
    return out;
  }

  /** The parameters to hand to an optimizer: `new optim.SGD(model.parameters(), { lr })`. */
  parameters(recurse = true): Parameter[] {
    const list = this.namedParameters("", recurse).map(([, p]) => p);
    if (list.length === 0) emptyListHints.set(list, parameterHint(this));
    return list;
  }

  /** Buffers (registerBuffer) with dotted names. */
  namedBuffers(prefix = "", recurse = true): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    const mods: Array<[string, Module]> = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [mp, m] of mods) {
      for (const [k] of m._buffers) {
        const v = (m as unknown as Record<string, unknown>)[k];
        if (v instanceof Tensor) out.push([mp === "" ? k : `${mp}.${k}`, v]);
      }
    }
    if (prefix === "") nameTensors(out);
    return out;
  }
  buffers(recurse = true): Tensor[] {
    return this.namedBuffers("", recurse).map(([, b]) => b);
  }

  // ---- state ------------------------------------------------------------------------------------------

  /** Every parameter and persistent buffer by dotted name, detached (sharing storage), as PyTorch's state_dict(). */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [mp, m] of this.namedModules()) {
      const at = (k: string) => (mp === "" ? k : `${mp}.${k}`);
      for (const [k, v] of m._entries()) {
        if (v instanceof Parameter && !m._buffers.has(k)) out[at(k)] = v.detach();
      }
      for (const [k, info] of m._buffers) {
        const v = (m as unknown as Record<string, unknown>)[k];
        if (info.persistent && v instanceof Tensor) out[at(k)] = v.detach();
      }
    }
    return out;
  }

  /** Copy values from a stateDict() into this module's parameters and buffers (in place, no graph). */
  loadStateDict(stateDict: Record<string, Tensor> | Map<string, Tensor>, strict = true): LoadStateDictResult {
    if (stateDict === null || typeof stateDict !== "object") throw new TypeError("loadStateDict: expected an object from stateDict().");
    const given = stateDict instanceof Map ? new Map(stateDict) : new Map(Object.entries(stateDict));
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !(k in own));
    const errors: string[] = [];
    if (strict) {
      if (unexpectedKeys.length > 0) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(", ")}.`);
      if (missingKeys.length > 0) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(", ")}.`);
    }
    const copies: Array<[Tensor, Tensor]> = [];
    for (const [k, dst] of Object.entries(own)) {
      const src = given.get(k);
      if (src === undefined) continue;
      if (!(src instanceof Tensor)) {
        errors.push(`While copying the parameter named "${k}", expected a Tensor, got ${describe(src)}.`);
        continue;
      }
      if (src.shape.length !== dst.shape.length || src.shape.some((s, i) => s !== dst.shape[i])) {
        errors.push(`size mismatch for ${k}: copying a param with shape ${formatShape(src.shape)} from checkpoint, the shape in current model is ${formatShape(dst.shape)}.`);
        continue;
      }
      copies.push([dst, src]);
    }
    if (errors.length > 0) throw new Error(`Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join("\n\t")}`);
    withGradMode(false, () => {
      for (const [dst, src] of copies) dst.copy_(src);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- modes and gradients ------------------------------------------------------------------------

  /** Clear the gradients of all parameters: set to undefined (PyTorch 2.x's default) or, with setToNone false, to zeros. */
  zeroGrad(setToNone: boolean | { setToNone?: boolean } = true): void {
    const none = typeof setToNone === "object" && setToNone !== null ? setToNone.setToNone ?? true : setToNone !== false;
    for (const p of this.parameters()) {
      if (none || p.grad === undefined) p.grad = undefined;
      else withGradMode(false, () => p.grad!.detach().zero_());
    }
  }

  /** Set training mode on this module and every sub-module. */
  train(mode = true): this {
    if (typeof mode !== "boolean") throw new TypeError("train: training mode is expected to be boolean.");
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Call fn on every sub-module (children first) and on this one, e.g. to initialise weights. */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== "function") throw new TypeError("apply: expected a function (module) => void.");
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /** Set requiresGrad on every parameter (freeze with requiresGrad_(false)). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /** PyTorch's printed form: `Net(\n  (fc): Linear(in_features=2, out_features=8, bias=True)\n)`. */
  toString(): string {
    // A module that contains itself (directly or not) prints "Name(...)" where it recurs.
    if (printing.has(this)) return `${this._getName()}(...)`;
    printing.add(this);
    try {
      return this._repr();
    } finally {
      printing.delete(this);
    }
  }

  private _repr(): string {
    const extra = this.extraRepr();
    const extraLines = extra === "" ? [] : extra.split("\n");
    const childLines = this.namedChildren().map(([k, m]) => `(${k}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this._getName()}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join("\n  ")}\n`;
    }
    return `${s})`;
  }
}

/** Python's __call__: name the parameters (outermost call only), then forward. */
function callModule(m: Module, args: unknown[]): unknown {
  if (callDepth === 0) {
    m.namedParameters();
    m.namedBuffers();
  }
  // The runner folds the graph by module call: tell it which module runs (its name under the
  // outermost module called, its type and its own parameters).
  const obs = observer?.moduleEnter ? observer : null;
  if (obs) {
    if (callDepth === 0) callNames = new Map(m.namedModules().map(([n, c]) => [c, n]));
    const own: Tensor[] = [];
    for (const [k, v] of m._entries()) if (v instanceof Parameter && !m._buffers.has(k)) own.push(v);
    obs.moduleEnter!({ name: callNames.get(m) ?? "", type: m._getName(), parameters: own });
  }
  callDepth++;
  try {
    return (m.forward as (...a: unknown[]) => unknown)(...args);
  } finally {
    callDepth--;
    obs?.moduleExit?.();
  }
}
/** Dotted names of the modules under the outermost module being called (for moduleEnter). */
let callNames = new Map<Module, string>();

/** Give parameters their dotted names for the graph, unless the snippet named them itself. */
function nameTensors(list: ReadonlyArray<[string, Tensor]>): void {
  for (const [n, t] of list) {
    const prev = autoNames.get(t);
    if (t.name === undefined || (prev !== undefined && t.name === prev && n !== prev && n.endsWith(`.${prev}`))) {
      t.name = n;
      autoNames.set(t, n);
    }
  }
}

/** @internal Name a freshly made parameter (e.g. "weight") so a later dotted name may replace it. */
export function autoName<T extends Tensor>(t: T, name: string): T {
  t.name = name;
  autoNames.set(t, name);
  return t;
}

function typeName(m: unknown): string {
  return m instanceof Module ? m._getName() : "Module";
}

function addIndent(s: string, n: number): string {
  const lines = s.split("\n");
  if (lines.length === 1) return s;
  const pad = " ".repeat(n);
  return [lines[0]!, ...lines.slice(1).map((l) => pad + l)].join("\n");
}

function checkName(m: Module, name: unknown, op: string): asserts name is string {
  if (typeof name !== "string") throw new TypeError(`${op}: name should be a string, got ${typeof name}.`);
  if (name === "") throw new RangeError(`${op}: name can't be empty string "".`);
  if (name.includes(".")) throw new RangeError(`${op}: name can't contain ".", got "${name}".`);
  if (!Object.prototype.hasOwnProperty.call(m, name) && name in m) throw new RangeError(`${op}: attribute '${name}' already exists (a method or property of ${m._getName()}).`);
}

function setField(m: Module, name: string, value: unknown): void {
  Object.defineProperty(m, name, { value, writable: true, enumerable: true, configurable: true });
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (v instanceof Tensor) return "a Tensor";
  if (Array.isArray(v)) return "an array";
  return `a ${typeof v}`;
}

/** Why a module has no parameters: fields that hold tensors or arrays of modules but are not registered. */
function parameterHint(root: Module): string {
  const notes: string[] = [];
  for (const [mp, m] of root.namedModules()) {
    for (const [k, v] of m._entries()) {
      const where = `${mp === "" ? m._getName() : mp}.${k}`;
      if (v instanceof Tensor && !(v instanceof Parameter) && !m._buffers.has(k)) {
        notes.push(`${where} is a Tensor, not an nn.Parameter: a Module registers only nn.Parameter fields (this.${k} = new nn.Parameter(torch.randn(…))).`);
      } else if (Array.isArray(v) && v.some((e) => e instanceof Module)) {
        notes.push(`${where} is an array of modules: use nn.ModuleList([...]) so its parameters are registered.`);
      } else if (Array.isArray(v) && v.some((e) => e instanceof Tensor)) {
        notes.push(`${where} is an array of tensors: assign each as an nn.Parameter field instead.`);
      }
      if (notes.length >= 3) break;
    }
  }
  return notes.join(" ");
}

/**
 * The hint an optimizer adds to "got an empty parameter list": why a module's parameters() came
 * back empty, or that `model.parameters` was passed without calling it.
 */
export function emptyParameterListHint(params: unknown): string {
  if (params instanceof Module) return " Pass model.parameters(), not the module itself.";
  if (typeof params === "function") return " Did you pass model.parameters without calling it? Use model.parameters().";
  if (typeof params === "object" && params !== null) {
    const h = emptyListHints.get(params);
    if (h !== undefined && h !== "") return ` ${h}`;
    if (h !== undefined) return " The module has no nn.Parameter fields and no sub-modules with parameters.";
  }
  return "";
}
