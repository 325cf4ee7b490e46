// What a snippet gets when it reaches for a PyTorch name the engine does not have: a clear error in
// PyTorch's terms ("x.foo_() is a PyTorch method that Autograd Lens does not have yet") instead of
// JavaScript's "x.foo_ is not a function", and for Python spellings of names we do have, the
// camelCase one ("requires_grad is PyTorch's Python spelling; here it is requiresGrad").
//
// How: an object of throwing getters, one per PyTorch name we lack, is put at the end of the
// object's prototype chain. Lookups that find anything on the object or its class never reach it,
// so the engine's own calls pay nothing; only a miss of one of PyTorch's names (engine/torch-names.ts)
// is answered.
import { FUNCTIONAL_NAMES, NN_NAMES, OPTIM_NAMES, TENSOR_ATTRIBUTE_NAMES, TENSOR_NAMES, TORCH_NAMES } from "./torch-names";

/** PyTorch's snake_case to our camelCase: masked_fill_ → maskedFill_, requires_grad → requiresGrad. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Error for a missing PyTorch name; the runner puts it on the snippet's line like any other. */
export class MissingTorchNameError extends TypeError {
  override name = "TypeError";
}

interface Kind {
  /** What the user wrote before the name: "x.", "torch.", "torch.nn." … */
  prefix: (receiver: unknown) => string;
  /** "method", "function", "module", "class". */
  what: string;
  call: boolean;
}

/**
 * `sample` is an instance to look names up on when `target` is a prototype (instance fields such as
 * gradFn live on instances); `attributes` are names PyTorch has as attributes, not methods.
 */
/**
 * `sample` is an instance to look names up on when `target` is a prototype (instance fields such as
 * gradFn live on instances); `attributes` are names PyTorch has as attributes, not methods.
 */
function install(target: object, pythonNames: string, kind: Kind, sample: object = target, attributes = ""): void {
  // One plain object of throwing getters, put between `target` and its prototype. Not a Proxy: a
  // Proxy in a prototype chain makes V8 give up its fast property lookups for every tensor.
  const fallback = Object.create(Object.getPrototypeOf(target) as object | null) as object;
  const add = (list: string, call: boolean) => {
    for (const py of list.split(" ")) {
      if (py === "") continue;
      const ours = camelCase(py);
      const has = ours in sample;
      if (!has) define(fallback, ours, "", call, kind);
      if (py !== ours) define(fallback, py, has ? ours : "", call, kind);
    }
  };
  add(pythonNames, kind.call);
  add(attributes, false);
  Object.setPrototypeOf(target, fallback);
}

function define(on: object, prop: string, ours: string, call: boolean, kind: Kind): void {
  if (Object.prototype.hasOwnProperty.call(on, prop) || prop in Object.prototype) return;
  Object.defineProperty(on, prop, {
    configurable: true,
    get(this: unknown) {
      const at = kind.prefix(this);
      const paren = call ? "()" : "";
      if (ours !== "") throw new MissingTorchNameError(`${at}${prop} is PyTorch's Python spelling; in Autograd Lens it is ${at}${ours}${paren}.`);
      const what = call || kind.what !== "method" ? kind.what : "attribute";
      throw new MissingTorchNameError(`${at}${prop}${paren} is a PyTorch ${what} that Autograd Lens does not have yet.`);
    },
    // Assigning the name (`this.type = "mlp"` in a module's constructor) makes an own field, as it would without us.
    set(this: object, value: unknown) {
      Object.defineProperty(this, prop, { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

function tensorPrefix(receiver: unknown): string {
  const name = (receiver as { name?: unknown } | null)?.name;
  return typeof name === "string" && /^[A-Za-z_$][\w$]*$/.test(name) ? `${name}.` : "tensor.";
}

/** nn.Module's methods (PyTorch 2.x), for `model.named_parameters()` and the ones we lack. */
const MODULE_NAMES =
  "add_module apply bfloat16 buffers children compile cpu cuda double eval extra_repr float forward get_buffer get_extra_state get_parameter get_submodule half ipu load_state_dict modules named_buffers named_children named_modules named_parameters parameters register_backward_hook register_buffer register_forward_hook register_forward_pre_hook register_full_backward_hook register_full_backward_pre_hook register_load_state_dict_post_hook register_module register_parameter requires_grad_ set_extra_state share_memory state_dict to to_empty train type xpu zero_grad";
/** torch.nn.init's functions. */
const INIT_NAMES =
  "calculate_gain constant_ dirac_ eye_ kaiming_normal_ kaiming_uniform_ normal_ ones_ orthogonal_ sparse_ trunc_normal_ uniform_ xavier_normal_ xavier_uniform_ zeros_";

/** Answer missing names on nn.Module's prototype (`module` is an instance, for its own fields) and on torch.nn.init. */
export function installModuleNames(spaces: { modulePrototype: object; module: object; init: object }): void {
  install(spaces.modulePrototype, MODULE_NAMES, { prefix: () => "model.", what: "method", call: true }, spaces.module, "training");
  install(spaces.init, INIT_NAMES, { prefix: () => "torch.nn.init.", what: "function", call: true });
}

/** Answer missing names on Tensor's prototype and on the torch namespace objects. */
export function installMissingNames(spaces: { tensorPrototype: object; tensor: object; torch: object; nn: object; functional: object; optim: object }): void {
  install(spaces.tensorPrototype, TENSOR_NAMES, { prefix: tensorPrefix, what: "method", call: true }, spaces.tensor, TENSOR_ATTRIBUTE_NAMES);
  install(spaces.torch, TORCH_NAMES, { prefix: () => "torch.", what: "function", call: true });
  install(spaces.nn, NN_NAMES, { prefix: () => "torch.nn.", what: "module", call: false });
  install(spaces.functional, FUNCTIONAL_NAMES, { prefix: () => "torch.nn.functional.", what: "function", call: true });
  install(spaces.optim, OPTIM_NAMES, { prefix: () => "torch.optim.", what: "optimizer", call: false });
}
