// Containers: Sequential (runs its modules in order), ModuleList and ModuleDict (hold modules so their
// parameters are registered). Sequential and ModuleList keep their modules as fields "0", "1", … so
// `model[0]` works and parameters are named "0.weight" as in PyTorch.
import type { Tensor } from "../tensor";
import { Module } from "./module";
import { normalizeIndex } from "./util";

function checkModule(m: unknown, what: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${what} is not a Module subclass.`);
  return m;
}

/** Modules kept as numbered fields; shared by Sequential and ModuleList. */
abstract class IndexedModules extends Module {
  readonly [index: number]: Module;

  /** Number of modules. */
  override get length(): number {
    let n = 0;
    while (Object.prototype.hasOwnProperty.call(this, String(n))) n++;
    return n;
  }
  /** @internal */
  _list(): Module[] {
    const out: Module[] = [];
    for (let i = 0; ; i++) {
      const m = (this as unknown as Record<string, unknown>)[String(i)];
      if (!(m instanceof Module)) return out;
      out.push(m);
    }
  }
  /** @internal replace the numbered fields by `mods` */
  _setAll(mods: readonly Module[]): void {
    const n = this.length;
    for (let i = 0; i < n; i++) Reflect.deleteProperty(this, String(i));
    mods.forEach((m, i) => this.addModule(String(i), m));
  }
  [Symbol.iterator](): Iterator<Module> {
    return this._list()[Symbol.iterator]();
  }
  /** The module at index i (negative counts from the end), like `model[i]`. */
  at(i: number): Module {
    return this._list()[normalizeIndex(i, this.length, this._getName())]!;
  }
  /** Add a module at the end. */
  append(m: Module): this {
    this.addModule(String(this.length), checkModule(m, `${this._getName()}.append: the argument`));
    return this;
  }
  extend(mods: Iterable<Module>): this {
    for (const m of mods) this.append(m);
    return this;
  }
  insert(index: number, m: Module): void {
    const list = this._list();
    const i = index < 0 ? Math.max(0, list.length + index) : Math.min(index, list.length);
    list.splice(i, 0, checkModule(m, `${this._getName()}.insert: the argument`));
    this._setAll(list);
  }
  /** Remove and return the module at index. */
  pop(index = -1): Module {
    const list = this._list();
    const i = normalizeIndex(index, list.length, `${this._getName()}.pop`);
    const [m] = list.splice(i, 1);
    this._setAll(list);
    return m!;
  }
}

/** Runs its modules in order: `new nn.Sequential(new nn.Linear(2, 8), new nn.ReLU(), …)`. */
export class Sequential extends IndexedModules {
  static readonly torchName = "Sequential";
  constructor(...layers: Module[]) {
    super();
    layers.forEach((m, i) => this.addModule(String(i), checkModule(m, `nn.Sequential: argument ${i}`)));
    this.namedParameters();
  }
  override forward(x: Tensor): Tensor {
    let y: unknown = x;
    for (const m of this._list()) y = m(y);
    return y as Tensor;
  }
  /** A new Sequential of modules start … end−1 (Python's model[1:3]). */
  slice(start?: number, end?: number): Sequential {
    return new Sequential(...this._list().slice(start, end));
  }
}

/** A list of modules whose parameters are registered (a plain array's are not). */
export class ModuleList extends IndexedModules {
  static readonly torchName = "ModuleList";
  constructor(modules: Iterable<Module> = []) {
    super();
    if (modules === null || typeof (modules as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== "function") {
      throw new TypeError("nn.ModuleList: expected an array of modules, e.g. new nn.ModuleList([new nn.Linear(2, 2)]).");
    }
    let i = 0;
    for (const m of modules) this.addModule(String(i), checkModule(m, `nn.ModuleList: element ${i++}`));
  }
  override forward(): never {
    throw new TypeError("ModuleList is not callable: it has no forward. Iterate over it and call each module.");
  }
}

/** Modules by name, in insertion order: `dict.get("encoder")`, `dict.set("head", m)`. */
export class ModuleDict extends Module {
  static readonly torchName = "ModuleDict";
  /** @internal */
  declare _dict: Map<string, Module>;
  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    Object.defineProperty(this, "_dict", { value: new Map(), enumerable: false });
    if (modules === null || typeof modules !== "object") throw new TypeError("nn.ModuleDict: expected an object of modules, e.g. { fc: new nn.Linear(2, 2) }.");
    const entries = Symbol.iterator in modules ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  override _entries(): Array<[string, unknown]> {
    return [...this._dict, ...super._entries()];
  }
  get size(): number {
    return this._dict.size;
  }
  get(key: string): Module | undefined {
    return this._dict.get(key);
  }
  set(key: string, m: Module): this {
    if (typeof key !== "string" || key === "" || key.includes(".")) throw new RangeError(`ModuleDict: a key must be a non-empty string without ".", got ${JSON.stringify(key)}.`);
    this._dict.set(key, checkModule(m, `ModuleDict: the value for "${key}"`));
    return this;
  }
  has(key: string): boolean {
    return this._dict.has(key);
  }
  /** Remove and return the module under key. */
  pop(key: string): Module {
    const m = this._dict.get(key);
    if (m === undefined) throw new RangeError(`ModuleDict.pop: no module under "${key}".`);
    this._dict.delete(key);
    return m;
  }
  keys(): string[] {
    return [...this._dict.keys()];
  }
  values(): Module[] {
    return [...this._dict.values()];
  }
  items(): Array<[string, Module]> {
    return [...this._dict];
  }
  [Symbol.iterator](): Iterator<string> {
    return this._dict.keys();
  }
  override forward(): never {
    throw new TypeError("ModuleDict is not callable: it has no forward. Get a module with .get(key) and call it.");
  }
}
