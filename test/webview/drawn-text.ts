// Reading what the graph view draws on its canvases, for the legibility tests in Chromium
// (test/webview) and in code-server's webview (test/e2e).

/**
 * A script that records every text the page draws on a canvas: its text, its rendered font size in
 * CSS pixels (the font's px size × the canvas transform's scale ÷ the device pixel ratio) and where
 * it lands on the screen. Cytoscape and our canvas both draw labels with fillText. Run it as an init
 * script, or evaluate it in a loaded page and then make the view redraw.
 */
export const RECORD_TEXT = `(() => {
  if (window.__drawnText) return;
  const drawn = [];
  window.__drawnText = drawn;
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, x, y, ...rest) {
    const m = /(\\d+(?:\\.\\d+)?)px/.exec(this.font);
    const t = this.getTransform();
    const ratio = window.devicePixelRatio || 1;
    const box = this.canvas.getBoundingClientRect ? this.canvas.getBoundingClientRect() : { left: 0, top: 0 };
    if (m && String(text).trim()) {
      drawn.push({ text: String(text), px: (+m[1] * Math.hypot(t.a, t.b)) / ratio, x: box.left + (t.a * x + t.c * y + t.e) / ratio, y: box.top + (t.b * x + t.d * y + t.f) / ratio });
    }
    return fill.call(this, text, x, y, ...rest);
  };
})();`;

/** One text drawn on a canvas (coordinates in the page's CSS pixels). */
export interface DrawnText {
  text: string;
  px: number;
  x: number;
  y: number;
}

/** The drawn texts that land inside a box (the graph pane's bounding box). */
export function insideBox(drawn: readonly DrawnText[], box: { x: number; y: number; width: number; height: number }): DrawnText[] {
  return drawn.filter((d) => d.x >= box.x - 1 && d.x <= box.x + box.width + 1 && d.y >= box.y && d.y <= box.y + box.height);
}
