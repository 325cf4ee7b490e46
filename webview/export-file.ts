// The Export menu's files: the drawing as PNG or SVG (from the graph view), the snapshot as
// Graphviz DOT or as its JSON wire form, named after the traced file.
import type { ExportFormat, GraphSnapshot } from "../shared/protocol";
import { toDot } from "../shared/dot";
import { encodeSnapshot } from "../shared/snapshot-codec";
import { baseName } from "./dom";
import type { GraphView } from "./graph-view";

/** The file to save; throws when the drawing is needed and `graph` (the drawn graph) is null. */
export function exportFile(format: ExportFormat, s: GraphSnapshot, graph: GraphView | null): { fileName: string; data: string; encoding: "utf8" | "base64" } {
  let data: string;
  let encoding: "utf8" | "base64" = "utf8";
  switch (format) {
    case "png": {
      if (!graph) throw new Error("the graph is not drawn");
      data = graph.exportPng().replace(/^data:image\/png;base64,/, "");
      encoding = "base64";
      break;
    }
    case "svg":
      if (!graph) throw new Error("the graph is not drawn");
      data = graph.exportSvg();
      break;
    case "dot":
      data = toDot(s);
      break;
    case "json":
      data = JSON.stringify(encodeSnapshot(s), null, 1) + "\n";
      break;
  }
  const stem = baseName(s.file).replace(/\.[^.]*$/, "") || "graph";
  return { fileName: `${stem}.graph.${format}`, data, encoding };
}
