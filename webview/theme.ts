// The graph view's colours and fonts: VS Code's CSS variables resolved to concrete colours (the
// canvases cannot use var()), with light/dark defaults for the standalone page.

interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

export interface Theme {
  dark: boolean;
  highContrast: boolean;
  background: string;
  foreground: string;
  muted: string;
  boxFill: string;
  boxBorder: string;
  leaf: string;
  output: string;
  grad: string;
  step: string;
  opFill: string;
  opBorder: string;
  opText: string;
  edge: string;
  selection: string;
  match: string;
  matchOpacity: number;
  groupFill: string;
  groupBorder: string;
  fontUi: string;
  fontMono: string;
  borderWidth: number;
}

const DEFAULT_UI_FONT = `-apple-system, BlinkMacSystemFont, "Segoe UI", Ubuntu, "Helvetica Neue", "Noto Sans", "DejaVu Sans", sans-serif`;
const DEFAULT_MONO_FONT = `"SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", "Courier New", monospace`;

/** VS Code's Dark Modern / Light Modern values, for pages outside VS Code. */
const DEFAULTS = {
  dark: {
    background: "#1f1f1f",
    foreground: "#cccccc",
    muted: "#9d9d9d",
    border: "#454545",
    blue: "#3794ff",
    green: "#89d185",
    orange: "#e8a04c",
    yellow: "#f2cc60",
    purple: "#b180d7",
    focus: "#0078d4",
    match: "#ea5c0055",
  },
  light: {
    background: "#ffffff",
    foreground: "#3b3b3b",
    muted: "#717171",
    border: "#c8c8c8",
    blue: "#1a85ff",
    green: "#388a34",
    orange: "#c76a00",
    yellow: "#b38600",
    purple: "#7a3fa8",
    focus: "#005fb8",
    match: "#ea5c0055",
  },
};

let colorCtx: CanvasRenderingContext2D | null | undefined;

/** Any CSS colour → RGBA bytes (alpha 0..1), by painting one pixel; null when it does not parse. */
function parseColor(css: string): Rgba | null {
  const value = css.trim();
  if (!value) return null;
  if (colorCtx === undefined) {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    colorCtx = canvas.getContext("2d", { willReadFrequently: true });
  }
  const ctx = colorCtx;
  if (!ctx) return null;
  const sentinel = "#010203";
  ctx.fillStyle = sentinel;
  ctx.fillStyle = value;
  if (ctx.fillStyle === sentinel && value.toLowerCase() !== sentinel) return null;
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
  return { r: r!, g: g!, b: b!, a: a! / 255 };
}

const hex = (c: Rgba) => "#" + [c.r, c.g, c.b].map((v) => Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, "0")).join("");

function mix(a: Rgba, b: Rgba, t: number): Rgba {
  return { r: a.r + (b.r - a.r) * t, g: a.g + (b.g - a.g) * t, b: a.b + (b.b - a.b) * t, a: 1 };
}

/** A translucent colour composited onto the background (cytoscape colours carry no alpha). */
const flatten = (c: Rgba, bg: Rgba): Rgba => (c.a >= 1 ? c : mix(bg, { ...c, a: 1 }, c.a));

const luminance = (c: Rgba) => (0.2126 * c.r + 0.7152 * c.g + 0.0722 * c.b) / 255;

/** Reads the theme from VS Code's CSS variables on <body>, with defaults for the colour scheme. */
export function readTheme(): Theme {
  const body = document.body;
  const style = getComputedStyle(body);
  const cssVar = (name: string) => style.getPropertyValue(name).trim();
  const classes = body.classList;
  const hcClass = classes.contains("vscode-high-contrast") || classes.contains("vscode-high-contrast-light");
  const prefersDark = typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches;
  const themeDark = classes.contains("vscode-dark") || (classes.contains("vscode-high-contrast") && !classes.contains("vscode-high-contrast-light"));
  const themeLight = classes.contains("vscode-light") || classes.contains("vscode-high-contrast-light");
  let d = themeDark ? DEFAULTS.dark : themeLight ? DEFAULTS.light : prefersDark ? DEFAULTS.dark : DEFAULTS.light;
  const bgVar = parseColor(cssVar("--vscode-editor-background"));
  // A background from the host decides which defaults fit, whatever the body classes say.
  if (bgVar) d = luminance(bgVar) < 0.5 ? DEFAULTS.dark : DEFAULTS.light;
  const dark = d === DEFAULTS.dark;
  const bg = flatten(bgVar ?? parseColor(d.background)!, parseColor(d.background)!);
  const pick = (name: string, fallback: string): Rgba => {
    const c = parseColor(cssVar(name));
    return c ? flatten(c, bg) : parseColor(fallback)!;
  };
  const fg = pick("--vscode-editor-foreground", d.foreground);
  const contrastBorder = parseColor(cssVar("--vscode-contrastBorder"));
  const highContrast = hcClass || (contrastBorder !== null && contrastBorder.a > 0);
  const purple = pick("--vscode-charts-purple", d.purple);
  const border = pick("--vscode-editorWidget-border", d.border);
  const matchRaw = parseColor(cssVar("--vscode-editor-findMatchHighlightBackground")) ?? parseColor(d.match)!;
  const hcBorder = contrastBorder ? flatten(contrastBorder, bg) : fg;
  return {
    dark,
    highContrast,
    background: hex(bg),
    foreground: hex(fg),
    muted: hex(pick("--vscode-descriptionForeground", d.muted)),
    boxFill: hex(highContrast ? bg : mix(bg, fg, dark ? 0.07 : 0.035)),
    boxBorder: hex(highContrast ? hcBorder : mix(border, fg, dark ? 0.15 : 0.1)),
    leaf: hex(pick("--vscode-charts-blue", d.blue)),
    output: hex(pick("--vscode-charts-green", d.green)),
    // As in style.css: on a light background the orange is darkened towards the text colour to read at 4.5:1.
    grad: hex(dark || highContrast ? pick("--vscode-charts-orange", d.orange) : mix(pick("--vscode-charts-orange", d.orange), fg, 0.4)),
    step: hex(pick("--vscode-charts-yellow", d.yellow)),
    opFill: hex(highContrast ? bg : mix(bg, purple, dark ? 0.2 : 0.1)),
    opBorder: hex(highContrast ? purple : mix(bg, purple, dark ? 0.65 : 0.55)),
    opText: hex(highContrast ? fg : mix(purple, fg, dark ? 0.55 : 0.35)),
    edge: hex(highContrast ? fg : mix(bg, fg, dark ? 0.45 : 0.5)),
    selection: hex(pick("--vscode-focusBorder", d.focus)),
    match: hex({ ...matchRaw, a: 1 }),
    matchOpacity: Math.max(0.35, Math.min(0.8, matchRaw.a)),
    groupFill: hex(mix(bg, fg, dark ? 0.03 : 0.02)),
    groupBorder: hex(highContrast ? hcBorder : mix(bg, fg, dark ? 0.25 : 0.3)),
    fontUi: cssVar("--vscode-font-family") || DEFAULT_UI_FONT,
    fontMono: cssVar("--vscode-editor-font-family") || DEFAULT_MONO_FONT,
    borderWidth: highContrast ? 2 : 1.2,
  };
}
