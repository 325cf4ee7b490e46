// The slice of the WebAssembly JavaScript API that gemm.ts uses.
//
// The engine compiles with lib ES2022 and no DOM/Node types, so `WebAssembly` is not
// declared. These are deliberately *not* global declarations of `WebAssembly`: lib.dom.d.ts
// declares that namespace too (with `var Module`, `type Exports`, ...), and a second global
// declaration would fail to compile in any program that includes both (e.g. a webview
// build with lib DOM that pulls in engine files). gemm.ts reads `globalThis.WebAssembly`
// through these types instead, as an optional property, which also models engines where
// WebAssembly is missing.

/** A compiled module; opaque to us, only handed to `Instance`. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

/** `WebAssembly.Memory`: a growable ArrayBuffer. `grow` takes 64 KiB pages, throws RangeError on failure. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}

/** `WebAssembly.Instance`: exports are checked at run time, hence `unknown`. */
export interface WasmInstance {
  readonly exports: Readonly<Record<string, unknown>>;
}

/** The `WebAssembly` global (synchronous compilation/instantiation only). */
export interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Readonly<Record<string, never>>) => WasmInstance;
}
