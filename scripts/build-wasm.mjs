// Compiles engine/kernels/gemm.wat (WebAssembly text, SIMD128) with the `wabt` package
// and writes engine/kernels/gemm-wasm.ts, which embeds the binary as base64 together with
// a tiny decoder (the engine runs in Node and in browsers, so it cannot rely on Buffer or atob).
//
//   node scripts/build-wasm.mjs          rebuild gemm-wasm.ts
//   node scripts/build-wasm.mjs --check  exit 1 if gemm-wasm.ts is out of date with gemm.wat
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import wabtInit from "wabt";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const watPath = join(root, "engine/kernels/gemm.wat");
const outPath = join(root, "engine/kernels/gemm-wasm.ts");

const wabt = await wabtInit();
// simd for v128/f32x4/f64x2, bulk_memory for memory.fill (both on in every engine that has simd).
const mod = wabt.parseWat("gemm.wat", readFileSync(watPath, "utf8"), { simd: true, bulk_memory: true });
mod.validate();
// No debug names: keeps the module small (Chrome refuses synchronous compilation of
// modules over 4 KB on the main thread).
const { buffer } = mod.toBinary({ write_debug_names: false });
mod.destroy();

// Sanity check: the bytes must compile and expose what gemm.ts expects.
const instance = new WebAssembly.Instance(new WebAssembly.Module(buffer), {});
for (const name of ["memory", "pack", "gemm"]) {
  if (!(name in instance.exports)) throw new Error(`gemm.wat does not export ${name}`);
}

const base64 = btoa(String.fromCharCode(...buffer));
const lines = base64.match(/.{1,100}/g).map((l) => `  "${l}"`).join(" +\n");
const source = `// GENERATED FILE: do not edit by hand.
// Built from engine/kernels/gemm.wat by \`node scripts/build-wasm.mjs\` (wabt, SIMD enabled).
// ${buffer.length} bytes of WebAssembly, base64-encoded.

const BASE64 =
${lines};

/** Decodes the embedded module. Plain code instead of atob/Buffer so it runs anywhere. */
export function gemmWasmBytes(): Uint8Array {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const value = new Uint8Array(128);
  for (let i = 0; i < alphabet.length; i++) value[alphabet.charCodeAt(i)] = i;
  const text = BASE64.replace(/=+$/, "");
  const out = new Uint8Array((text.length * 3) >> 2);
  let bits = 0;
  let nbits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    bits = (bits << 6) | value[text.charCodeAt(i)];
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out[o++] = (bits >> nbits) & 0xff;
    }
  }
  return out;
}
`;

if (process.argv.includes("--check")) {
  let current = "";
  try {
    current = readFileSync(outPath, "utf8");
  } catch {
    // missing file counts as out of date
  }
  if (current !== source) {
    console.error("engine/kernels/gemm-wasm.ts is out of date: run node scripts/build-wasm.mjs");
    process.exit(1);
  }
  console.log("engine/kernels/gemm-wasm.ts is up to date");
} else {
  writeFileSync(outPath, source);
  console.log(`wrote ${outPath} (${buffer.length} bytes of wasm)`);
}
