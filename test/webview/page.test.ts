// The graph page's plumbing, not the graph UI: runner/html.ts (template, escaping, CSP), the CLI's
// --html and the browser harness itself. The page tests load the real built bundle
// (dist/webview.js, dist/webview.css: `npm test` builds before vitest) in the system's Chromium.
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import {
  buildStandaloneHtml,
  buildWebviewHtml,
  contentSecurityPolicy,
  jsonForScriptElement,
  makeNonce,
  MissingWebviewBundleError,
  SNAPSHOT_ELEMENT_ID,
} from "../../runner/html";
import type { GraphSnapshot } from "../../shared/protocol";
import { encodeSnapshot } from "../../shared/snapshot-codec";
import { validateSnapshot } from "../../shared/validate";
import {
  DIST_DIR,
  embeddedSnapshot,
  launchBrowser,
  openHtmlFile,
  openSnapshot,
  openWebviewPage,
  settle,
  traceSnippet,
  waitForExpression,
  type OpenedPage, usePages } from "./harness";

const run = promisify(execFile);
const TEXTBOOK = path.resolve("examples/autograd-basics.ts");
const CLI = path.join(DIST_DIR, "cli.js");
/** What the snapshot is once it has been through JSON (undefined fields gone). */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "autograd-lens-test-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true });
});

/** The smallest snapshot the builders accept (for tests that need no real trace). */
function tinySnapshot(file = "/snippets/tiny.ts"): GraphSnapshot {
  return {
    version: 2, file, language: "typescript", tracedAt: "2025-01-01T00:00:00.000Z", durationMs: 1,
    limits: { timeoutMs: 5000, nodeCap: 5000, valueCap: 1000, stepCap: 2000, memoryMb: 1024 },
    console: [], warnings: [], tensors: [], nodes: [], edges: [], backward: [], nodesTruncated: false,
  };
}

/** A dist folder with a stand-in bundle whose text tries to end its elements early. */
function hostileDist(): string {
  const dir = tempDir();
  fs.writeFileSync(
    path.join(dir, "webview.js"),
    [
      `"use strict";`,
      `// a comment with </script> and <!-- in it`,
      `window.__bundleText = "</script><script>window.__pwned = true</script><!--<script>";`,
      "window.__bundleTemplate = `</SCRIPT>${1 + 1}<!--`;",
      `document.getElementById("app").textContent = "bundle ran";`,
      `//# sourceMappingURL=webview.js.map`,
    ].join("\n"),
  );
  fs.writeFileSync(path.join(dir, "webview.css"), `#app::after { content: "</style><script>window.__pwned = true</script>"; }\n`);
  return dir;
}

const HOSTILE = "</script><script>window.__pwned = true; alert(1)</script>";

/** The textbook snapshot with script-breaking text wherever a string can go. */
function hostile(s: GraphSnapshot): GraphSnapshot {
  const h = structuredClone(s);
  // A file name has no "/" (so no "</title>"), but may have anything else.
  h.file = "/tmp/<img src=x onerror=window.__pwned=true>&amp;<!--.ts";
  h.tensors[0]!.name = HOSTILE;
  h.tensors[0]!.label = `<!--<script>window.__pwned = true</script>`;
  h.tensors[1]!.label = "<!-- unclosed comment <script>";
  h.console.push({ level: "log", text: `]]> \u2028 \u2029 & &lt; </script> </SCRIPT > <!-- -->` });
  return h;
}

describe("runner/html", () => {
  it("embeds JSON with no <, >, & or non-ASCII character left, and it parses back to the same value", () => {
    const value = { a: "</script><!--<script>", b: "x & y > z", c: "\u2028\u2029", d: [1.5, "NaN", null], e: "∂f/∂x3 = 1 · 0.2 → x1 — 😀" };
    const json = jsonForScriptElement(value);
    expect(json).not.toMatch(/[<>&\u0080-\uffff]/);
    expect(JSON.parse(json)).toEqual(value);
  });

  it("builds the standalone page: strict CSP, nonce on every script and style, escaped title, embedded snapshot", () => {
    const dist = hostileDist();
    const html = buildStandaloneHtml(tinySnapshot(`C:\\work\\<b>&"x"'.ts`), { distDir: dist });
    const nonce = /nonce-([A-Za-z0-9+/]+)/.exec(html)?.[1];
    expect(nonce).toBeTruthy();
    expect(html).toContain(
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'nonce-${nonce}' 'wasm-unsafe-eval'; ` +
        `style-src 'nonce-${nonce}'; img-src data: blob:; font-src data:; worker-src blob:; connect-src 'none'">`,
    );
    expect(html).toContain(`<title>&lt;b&gt;&amp;&quot;x&quot;'.ts &#x2014; Autograd Lens</title>`);
    // The data block, then the bundle with the nonce; each style has the nonce too.
    const dataTag = `<script type="application/json" id="${SNAPSHOT_ELEMENT_ID}">`;
    const scriptTag = `<script nonce="${nonce}">`;
    const styleTag = `<style nonce="${nonce}">`;
    expect(html.indexOf(dataTag)).toBeGreaterThan(html.indexOf(`<div id="app"></div>`));
    expect(html.indexOf(scriptTag)).toBeGreaterThan(html.indexOf(dataTag));
    expect(html).toContain(`<style nonce="${nonce}" id="__________cytoscape_stylesheet">`);
    // The bundle's and stylesheet's own `</script>`, `<!--` and `</style>` cannot end their element early.
    const between = (open: string, close: string) => html.slice(html.indexOf(open) + open.length, html.indexOf(close, html.indexOf(open)));
    const code = between(scriptTag, "</script>\n</body>");
    expect(code).toContain("window.__bundleText");
    expect(code).not.toMatch(/<\/script|<!--/i);
    expect(code).not.toContain("sourceMappingURL");
    const css = between(styleTag, "</style>\n</head>");
    expect(css).toContain("#app::after");
    expect(css).not.toMatch(/<\/style/i);
    expect(html).toContain(`<div id="app"></div>`);
    expect(html).not.toMatch(/\{\{\w+\}\}/);
    expect(html.startsWith("<!DOCTYPE html>\n<html")).toBe(true);
    expect(html).not.toContain("<!--"); // neither the template's comments nor the bundle's text
  });

  it("uses a fresh nonce per page", () => {
    const dist = hostileDist();
    const a = buildStandaloneHtml(tinySnapshot(), { distDir: dist, title: "a" });
    const b = buildStandaloneHtml(tinySnapshot(), { distDir: dist, title: "a" });
    expect(a).not.toEqual(b);
    expect(makeNonce()).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });

  it("says which file is missing when webview.js is not built", () => {
    const dir = tempDir();
    expect(() => buildStandaloneHtml(tinySnapshot(), { distDir: dir })).toThrow(MissingWebviewBundleError);
    expect(() => buildStandaloneHtml(tinySnapshot(), { distDir: dir })).toThrow(path.join(dir, "webview.js"));
  });

  it("builds the webview page: bundle and stylesheet by URI with the nonce, the webview's source allowed, no snapshot", () => {
    const html = buildWebviewHtml({
      scriptUri: "https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js?a=1&b=2",
      styleUri: "https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css",
      cspSource: "https://*.vscode-cdn.net",
      nonce: "abc123",
      title: "<x>",
    });
    expect(html).toContain(`<script nonce="abc123" src="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js?a=1&amp;b=2"></script>`);
    expect(html).toContain(`<link rel="stylesheet" nonce="abc123" href="https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css">`);
    expect(html).toContain(`style-src https://*.vscode-cdn.net 'nonce-abc123';`);
    expect(html).toContain(`script-src 'nonce-abc123' 'wasm-unsafe-eval';`);
    expect(html).toContain("<title>&lt;x&gt;</title>");
    expect(html).not.toContain(SNAPSHOT_ELEMENT_ID);
  });

  it("refuses a nonce or CSP source that would change the policy", () => {
    expect(() => contentSecurityPolicy("a' 'unsafe-inline")).toThrow(/nonce/);
    expect(() => contentSecurityPolicy("abc", "https://x; script-src *")).toThrow(/source/);
    expect(() => buildWebviewHtml({ scriptUri: "", styleUri: "", cspSource: "'unsafe-eval'", nonce: "abc" })).toThrow(/source/);
    // code-server's webview.cspSource carries 'self' next to its CDN host.
    expect(buildWebviewHtml({ scriptUri: "", styleUri: "", cspSource: "'self' https://*.vscode-cdn.net", nonce: "abc" })).toContain(
      "style-src 'self' https://*.vscode-cdn.net 'nonce-abc'",
    );
  });

  it("`trace --html` says clearly when the graph view is not built", async () => {
    // A copy of the CLI in a dist folder without webview.js.
    const dir = path.join(tempDir(), "dist");
    fs.mkdirSync(dir);
    fs.copyFileSync(CLI, path.join(dir, "cli.js"));
    const out = path.join(dir, "graph.html");
    const result = await run(process.execPath, [path.join(dir, "cli.js"), "trace", TEXTBOOK, "--html", out]).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(path.join(dir, "webview.js"));
    expect(result.stderr).toMatch(/npm run build/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe("the page in Chromium", () => {
  let browser: Browser;
  let textbook: GraphSnapshot;
  const { track } = usePages({ checkErrors: false });

  beforeAll(async () => {
    [browser, textbook] = await Promise.all([launchBrowser(), traceSnippet(fs.readFileSync(TEXTBOOK, "utf8"), TEXTBOOK)]);
    expect(textbook.error).toBeUndefined();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** Waits until the bundle has put something in #app and the page has painted. */
  async function rendered(p: OpenedPage): Promise<void> {
    try {
      await waitForExpression(p.page, `document.getElementById("app").childNodes.length > 0`);
    } catch (e) {
      throw new Error(`${(e as Error).message}; the page reported: ${JSON.stringify(p.errors, null, 1)}`, { cause: e });
    }
    await settle(p.page);
  }

  for (const colorScheme of ["light", "dark"] as const) {
    it(`shows the textbook example (${colorScheme}) with no CSP violation, error or request, and its snapshot round-trips`, async () => {
      const p = track(await openSnapshot(browser, textbook, { colorScheme, width: 1000, height: 700 }));
      await rendered(p);
      expect(p.errors).toEqual([]);
      expect(await p.page.title()).toBe("autograd-basics.ts — Autograd Lens");
      // The page embeds the snapshot as it travels (version 2: values in a base64 table).
      expect(await embeddedSnapshot(p.page)).toEqual(plain(encodeSnapshot(textbook)));
      // The page is pure ASCII (Chromium decodes it faster), though the title and the snapshot are not.
      expect(JSON.stringify(textbook)).toMatch(/[\u0080-\uffff]/);
      expect(buildStandaloneHtml(textbook, { distDir: DIST_DIR })).not.toMatch(/[\u0080-\uffff]/);
    });
  }

  it("keeps hostile names inside the snapshot: nothing runs, nothing is refused, the JSON round-trips", async () => {
    const h = hostile(textbook);
    const p = track(await openSnapshot(browser, h));
    await rendered(p);
    // An injected script would either run (setting __pwned, opening a dialog) or be refused by the CSP.
    expect(p.errors).toEqual([]);
    expect(await p.page.evaluate("window.__pwned")).toBeUndefined();
    expect(await embeddedSnapshot(p.page)).toEqual(plain(encodeSnapshot(h)));
    expect(await p.page.title()).toBe("<img src=x onerror=window.__pwned=true>&amp;<!--.ts — Autograd Lens");
  });

  it("inlines bundle text with </script>, <!-- and </style> without it ending its element", async () => {
    const dir = tempDir();
    const file = path.join(dir, "page.html");
    fs.writeFileSync(file, buildStandaloneHtml(hostile(textbook), { distDir: hostileDist() }));
    const p = track(await openHtmlFile(browser, file));
    expect(p.errors).toEqual([]);
    expect(await p.page.evaluate(`document.getElementById("app").textContent`)).toBe("bundle ran");
    expect(await p.page.evaluate("window.__bundleText")).toBe("</script><script>window.__pwned = true</script><!--<script>");
    expect(await p.page.evaluate("window.__bundleTemplate")).toBe("</SCRIPT>2<!--");
    expect(await p.page.evaluate("[document.scripts.length, document.styleSheets.length]")).toEqual([2, 2]);
    expect(await p.page.evaluate("window.__pwned")).toBeUndefined();
  });

  it("reports a CSP violation and a page error (the harness sees what it must)", async () => {
    const dir = tempDir();
    const file = path.join(dir, "bad.html");
    const nonce = makeNonce();
    fs.writeFileSync(
      file,
      `<!DOCTYPE html><meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(nonce)}">` +
        `<script>window.__pwned = true</script><script nonce="${nonce}">throw new Error("boom")</script>`,
    );
    const p = track(await openHtmlFile(browser, file));
    await settle(p.page);
    expect(await p.page.evaluate("window.__pwned")).toBeUndefined();
    expect(p.errors.some((e) => /^CSP violation: script-src/.test(e))).toBe(true);
    expect(p.errors.some((e) => /page error: .*boom/.test(e))).toBe(true);
  });

  it("loads the webview variant (bundle and stylesheet by URI) under its CSP; it says ready and takes a snapshot", async () => {
    const p = track(await openWebviewPage(browser));
    await waitForExpression(p.page, `window.__posted.some((m) => m && m.type === "ready")`);
    await p.page.evaluate((message) => (globalThis as unknown as { postMessage(m: unknown, o: string): void }).postMessage(message, "*"), {
      type: "snapshot",
      snapshot: encodeSnapshot(textbook),
    });
    await rendered(p);
    expect(p.errors).toEqual([]);
  });

  it("`trace FILE --html OUT` writes a page that loads the same way", async () => {
    const out = path.join(tempDir(), "sub", "textbook.html");
    const { stdout } = await run(process.execPath, [CLI, "trace", TEXTBOOK, "--html", out]);
    expect(stdout).toContain(`wrote the graph page (HTML) to ${out}`);
    const p = track(await openHtmlFile(browser, out));
    await rendered(p);
    expect(p.errors).toEqual([]);
    expect(await p.page.title()).toBe("autograd-basics.ts — Autograd Lens");
    const s = validateSnapshot(await embeddedSnapshot(p.page));
    expect(s.file).toBe(TEXTBOOK);
    expect(s.error).toBeUndefined();
    // Same graph as the in-process trace (times differ).
    const shape = (x: GraphSnapshot) => plain({ tensors: x.tensors, nodes: x.nodes, edges: x.edges, backward: x.backward, output: x.output });
    expect(shape(s)).toEqual(shape(textbook));
  });
});
