// The Landscape's figure: the plot (landscape-plot.ts) put in its host with a text alternative that
// says what it shows, the host made rotatable for the surface, and the legend under it.
import { baseName, el, setChildren } from "./dom";
import { fmt, fmtPoint } from "./landscape-math";
import type { LandscapePanel } from "./landscape-panel";
import { pathLegend, pngDataUrl, renderPlot, svgFile, type PlotData } from "./landscape-plot";
import { readTheme } from "./theme";

/** Draws `d` into the panel's figure; `evaluated`: f and its gradient are known at the point. Returns the plot. */
export function drawFigure(ui: Pick<LandscapePanel, "plotHost" | "legend">, d: PlotData, evaluated: boolean): SVGSVGElement {
  const plot = renderPlot(d, readTheme());
  const { kind, grad: g } = d;
  const names = d.labels.join(", ");
  const what = kind === "curve" ? "Curve" : kind === "contour" ? "Contour plot" : "Surface";
  const desc = evaluated
    ? `${what} of f over ${names}; the point ${fmtPoint(d.point)} with f = ${fmt(d.value)}${g ? `, the negative gradient ${fmtPoint(g.map((v) => -v))}` : ""}.`
    : `Plot of f over ${names}.`;
  plot.setAttribute("role", "img");
  plot.setAttribute("aria-label", desc);
  const host = ui.plotHost;
  setChildren(host, plot);
  if (kind === "surface") {
    host.tabIndex = 0;
    host.setAttribute("role", "group");
    host.setAttribute("aria-label", "Surface: drag or use the arrow keys to turn it, Home to reset");
  } else {
    host.tabIndex = -1;
    host.removeAttribute("role");
    host.removeAttribute("aria-label");
  }
  host.classList.toggle("rotatable", kind === "surface");
  setChildren(
    ui.legend,
    el("span", { class: "ls-key point" }, "current point"),
    evaluated && g ? el("span", { class: "ls-key arrow" }, kind === "curve" ? "−f′ (downhill)" : "−∇f (steepest descent)") : null,
    kind === "curve" ? el("span", { class: "ls-key tangent" }, "tangent, slope f′") : null,
    ...pathLegend(d.paths).map((l) => el("span", { class: `ls-key path method-${l.method}` }, `${l.name} path`)),
  );
  return plot;
}

/** The drawn plot as a file to save beside the traced one: "<stem>.landscape.svg" or ".png" (base64). */
export async function figureFile(plot: SVGSVGElement, format: "png" | "svg", tracedFile: string): Promise<{ fileName: string; data: string; encoding: "utf8" | "base64" }> {
  const stem = baseName(tracedFile).replace(/\.[^.]*$/, "") || "graph";
  const fileName = `${stem}.landscape.${format}`;
  if (format === "svg") return { fileName, data: svgFile(plot), encoding: "utf8" };
  return { fileName, data: (await pngDataUrl(plot)).replace(/^data:image\/png;base64,/, ""), encoding: "base64" };
}
