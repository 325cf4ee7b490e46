// Snippet text for the escape suite (escape.test.ts): a probe that walks everything reachable from a
// value and reports any object or function that does not belong to the snippet's own realm, and the
// attempts that use it. Every probe prints "LEAK ..." lines when it finds a host object; the suite
// expects none.

/** Prepended to every escape snippet (JavaScript, so the attempts need no type assertions). */
export const PROBE = String.raw`
const __leaks = [];
const __ownFunction = Function;
const __ownObjectProto = Object.prototype;
const __ownFunctionProto = Function.prototype;
function __root(v) {
  let p = v, last = v, n = 0;
  while (p !== null && n++ < 1000) { last = p; try { p = Object.getPrototypeOf(p); } catch { return "throws"; } }
  return last;
}
function __foreign(v) {
  if (v === null || (typeof v !== "object" && typeof v !== "function")) return false;
  // The end of its prototype chain: this realm's Object.prototype, or an object of its own with a null
  // prototype (the walk checks that one's properties too); another realm's Object.prototype (it
  // has its own hasOwnProperty) is foreign.
  const r = __root(v);
  if (r !== v && r !== __ownObjectProto && r !== "throws") {
    // (A Proxy over this realm's Object.prototype, as the engine puts at the end of Tensor's chain, is
    // this realm's: its methods are ours.)
    try {
      const own = (k) => Object.prototype.hasOwnProperty.call(r, k);
      if ((own("hasOwnProperty") || own("__defineGetter__")) && r.hasOwnProperty !== __ownObjectProto.hasOwnProperty) return true;
    } catch {}
  }
  try { const C = v.constructor; if (typeof C === "function" && C.constructor !== __ownFunction && C.constructor !== undefined) return true; } catch {}
  try { if (typeof v === "function") { const p = __ownFunction.prototype.call.call(Object.getPrototypeOf, null, v); if (p !== null && p !== __ownFunctionProto && __root(p) !== __ownObjectProto) return true; } } catch {}
  try { const F = v.constructor.constructor; if (typeof F === "function" && F !== __ownFunction) { const r2 = F("return typeof process")(); if (r2 !== "undefined") return true; } } catch {}
  return false;
}
/** Breadth-first over properties (own, getters called), prototypes, and call results of zero-arg functions when asked. */
const __seen = new Set();
function __walk(where, start, opts = {}) {
  const seen = __seen;
  const queue = [[start, where]];
  let visited = 0;
  while (queue.length > 0 && visited < (opts.max || 4000)) {
    const [v, path] = queue.shift();
    if (v === null || (typeof v !== "object" && typeof v !== "function")) continue;
    if (seen.has(v)) continue;
    seen.add(v);
    visited++;
    if (__foreign(v)) { __leaks.push(path); continue; }
    let keys = [];
    try { keys = Reflect.ownKeys(v); } catch {}
    for (const k of keys) {
      let d; try { d = Object.getOwnPropertyDescriptor(v, k); } catch { continue; }
      if (!d) continue;
      const name = path + "." + String(k);
      if ("value" in d) queue.push([d.value, name]);
      if (d.get) { queue.push([d.get, name + "<get>"]); try { queue.push([d.get.call(v), name + "<got>"]); } catch (e) { queue.push([e, name + "<get threw>"]); } }
      if (d.set) queue.push([d.set, name + "<set>"]);
    }
    try { queue.push([Object.getPrototypeOf(v), path + ".__proto__"]); } catch {}
    if (opts.call && typeof v === "function" && !/^(?:setTimeout|setInterval|queueMicrotask)$/.test(v.name)) {
      for (const args of [[], [null], [undefined], [{}]]) {
        try { const r = v(...args); queue.push([r, path + "(" + args.length + ")"]); if (r && typeof r.then === "function") r.then((x) => __check(path + "(async)", x), (e) => __check(path + "(async throw)", e)); } catch (e) { queue.push([e, path + "(throw)"]); }
      }
    }
  }
}
function __check(where, v) { __walk(where, v, { max: 500 }); }
function __report() { console.log(__leaks.length === 0 ? "no leaks" : "LEAK " + __leaks.slice(0, 20).join(" | ")); }
`;
