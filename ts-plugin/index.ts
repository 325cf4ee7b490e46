// Entry of the TypeScript server plugin "autograd-lens-ts-plugin" (CommonJS: tsserver requires the
// package and calls module.exports as the factory). The build bundles this file to
// node_modules/autograd-lens-ts-plugin/index.js inside the extension, so the declaration file is at
// ../../dist/types/autograd-lens.d.ts from here. See plugin.ts.
import * as path from "node:path";
import type * as ts from "typescript/lib/tsserverlibrary";
import { createPluginModule, DEFAULT_TYPES_FROM_PLUGIN_DIR } from "./plugin";

const init: ts.server.PluginModuleFactory = ({ typescript }) =>
  createPluginModule(typescript, { defaultTypesFile: path.resolve(__dirname, ...DEFAULT_TYPES_FROM_PLUGIN_DIR) });

export = init;
