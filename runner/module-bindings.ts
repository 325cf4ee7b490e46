// Modules bound to names (`const model = new nn.Sequential(…)`), noted as the recorder's bind()
// sees them and described at the end of the run for the hover on `model`: its class, and each
// parameter's name, shape and gradient norm. Everything read from the module goes through
// try/catch: a snippet's own Module subclass may throw from anything it overrides.
import type { ModuleInfo, ModuleParamInfo, SourceRange } from "../shared/protocol";

/** At most this many modules are described per run, and this many parameters of each. */
export const MAX_MODULES = 64;
export const MODULE_PARAMS_SHOWN = 50;
/** Gradient norms are computed over at most this many values per parameter (past it: null). */
const MAX_NORM_VALUES = 50_000_000;

interface Noted {
  module: object;
  name: string;
  boundAt: SourceRange;
}

/** A parameter as the engine has it (only what is read here). */
interface ParamLike {
  readonly id: number;
  readonly shape: readonly number[];
  readonly grad: { readonly _values: ArrayLike<number> } | undefined | null;
}

interface ModuleLike {
  namedParameters(): Array<[string, ParamLike]>;
  _getName?(): string;
}

export class ModuleBindings {
  private readonly noted: Noted[] = [];
  private readonly seen = new WeakSet<object>();

  constructor(private readonly isModule: (v: unknown) => v is object) {}

  /** `name` was bound to `value` at (line, column): noted when it is a module not seen before. */
  note(value: unknown, name: string, line: number, column: number): void {
    if (this.noted.length >= MAX_MODULES || !this.isModule(value) || this.seen.has(value)) return;
    this.seen.add(value);
    this.noted.push({ module: value, name, boundAt: { line, column } });
  }

  /** The modules as the snapshot carries them; `tensorId` gives a parameter's snapshot id, if any. */
  describe(tensorId: (id: number) => string | undefined): ModuleInfo[] {
    const out: ModuleInfo[] = [];
    for (const n of this.noted) {
      const m = n.module as ModuleLike;
      let params: Array<[string, ParamLike]> = [];
      try {
        const listed = m.namedParameters();
        if (Array.isArray(listed)) params = listed;
      } catch {
        params = [];
      }
      let type = "Module";
      try {
        const t = typeof m._getName === "function" ? m._getName() : (n.module as { constructor?: { name?: unknown } }).constructor?.name;
        if (typeof t === "string" && t) type = t.slice(0, 200);
      } catch {
        // keep "Module"
      }
      let valueCount = 0;
      const shown: ModuleParamInfo[] = [];
      for (const [name, p] of params) {
        try {
          const shape = Array.from(p.shape, Number);
          valueCount += shape.reduce((a, d) => a * d, 1);
          if (shown.length >= MODULE_PARAMS_SHOWN) continue;
          const info: ModuleParamInfo = { name: String(name).slice(0, 200), shape, gradNorm: gradNorm(p) };
          const id = tensorId(p.id);
          if (id) info.tensor = id;
          shown.push(info);
        } catch {
          // a parameter that cannot be read is left out
        }
      }
      out.push({ name: n.name, type, boundAt: n.boundAt, params: shown, paramCount: params.length, valueCount });
    }
    return out;
  }
}

function gradNorm(p: ParamLike): number | null {
  const g = p.grad?._values;
  if (!g || g.length > MAX_NORM_VALUES) return null;
  let sum = 0;
  for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!;
  const norm = Math.sqrt(sum);
  return Number.isFinite(norm) ? norm : null;
}
