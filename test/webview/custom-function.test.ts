// A user-defined torch.autograd.Function in the graph view (Chromium, the VS Code webview stand-in,
// at a 700×800 half-width panel): its node is marked user-defined in the inspector with links to its
// forward and backward, its recipe names the backward's line, and stepping onto it asks the editor
// to show the backward. Needs the built dist/.
import { encodeSnapshot } from "../../shared/snapshot-codec";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import type { GraphSnapshot } from "../../shared/protocol";
import { launchBrowser, openWebviewPage, screenshot, settle, traceSnippet, waitForExpression, type OpenedPage } from "./harness";

const SNIPPET = `import { torch, FunctionCtx, Tensor } from "autograd-lens";

class Cube extends torch.autograd.Function {
  static forward(ctx: FunctionCtx, x: Tensor): Tensor {
    ctx.saveForBackward(x);
    return x.pow(3);
  }
  static backward(ctx: FunctionCtx, grad: Tensor): Tensor {
    const [x] = ctx.savedTensors;
    return grad.mul(x.pow(2).mul(3));
  }
}

const w = torch.tensor([0.5, -0.2], { requiresGrad: true });
const target = torch.tensor([0.1, 0.3]);
const opt = new torch.optim.Adam([w], { lr: 0.1 });
for (let i = 0; i < 3; i++) {
  opt.zeroGrad();
  const y = Cube.apply(w);
  const loss = y.sub(target).pow(2).sum();
  loss.backward();
  opt.step();
}
`;
const lineOf = (text: string) => SNIPPET.split("\n").findIndex((l) => l.includes(text)) + 1;

let browser: Browser;
let snapshot: GraphSnapshot;
const opened: OpenedPage[] = [];

beforeAll(async () => {
  [browser, snapshot] = await Promise.all([launchBrowser(), traceSnippet(SNIPPET, path.resolve("cube.ts"))]);
  expect(snapshot.error).toBeUndefined();
});
afterAll(async () => {
  const errors = opened.flatMap((p) => p.errors);
  await Promise.all(opened.map((p) => p.close()));
  await browser?.close();
  expect(errors).toEqual([]);
});

const send = (page: Page, message: unknown) => page.evaluate(`window.postMessage(${JSON.stringify(message)}, "*")`);
const posted = (page: Page) => page.evaluate("window.__posted") as Promise<Array<Record<string, unknown>>>;

describe("a custom autograd.Function in the graph view", () => {
  it("shows the node as user-defined, links its forward and backward, and steps into its backward", async () => {
    const p = await openWebviewPage(browser, { width: 700, height: 800 });
    opened.push(p);
    const { page } = p;
    await waitForExpression(page, `window.__posted.some((m) => m.type === "ready")`);
    await send(page, { type: "snapshot", snapshot: encodeSnapshot(snapshot) });
    await waitForExpression(page, `document.querySelector(".lens-app")?.dataset.state === "ready"`);
    await settle(page);

    const cubes = snapshot.nodes.filter((n) => n.name === "CubeBackward");
    expect(cubes).toHaveLength(3);
    const node = cubes[2]!;
    expect(node.userDefined?.forward?.line).toBe(lineOf("static forward("));
    expect(node.userDefined?.backward?.line).toBe(lineOf("static backward("));

    // A half-width panel keeps the inspector collapsed under the graph: open it from its heading.
    await page.locator(".pane-toggle", { hasText: "Inspector" }).click();
    await send(page, { type: "select", id: node.id });
    await waitForExpression(page, `document.querySelector(".inspector-head h3")?.textContent === "CubeBackward"`);
    const head = await page.locator(".inspector-head").innerText();
    expect(head).toContain("user-defined grad_fn");
    const body = await page.locator(".inspector-body").innerText();
    expect(body).toContain("autograd.Function Cube");
    expect(body).toMatch(new RegExp(`forward at\\s+cube\\.ts:${lineOf("static forward(")}`));
    expect(body).toMatch(new RegExp(`backward at\\s+cube\\.ts:${lineOf("static backward(")}`));
    expect(body).toContain(`∂/∂x = user-defined: Cube.backward at line ${lineOf("static backward(")}`);
    // The backward link reveals the backward in the editor.
    await page.locator(".inspector-body .user-defined button.source-link").nth(1).click();
    expect(await posted(page)).toContainEqual({ type: "reveal", range: node.userDefined!.backward });

    // Step through the last call up to the Cube node: the editor is asked to show its backward.
    const call = snapshot.backward[2]!;
    const k = call.steps.findIndex((st) => st.node === node.id);
    expect(k).toBeGreaterThan(0);
    await page.evaluate("document.activeElement && document.activeElement.blur()");
    await page.keyboard.press("Home");
    for (let i = 0; i <= k; i++) await page.keyboard.press("ArrowRight");
    await waitForExpression(page, `window.__posted.some((m) => m.type === "positionChanged" && m.position.step === ${k + 1})`);
    const moved = (await posted(page)).filter((m) => m.type === "positionChanged").at(-1)!;
    expect(moved).toEqual({ type: "positionChanged", position: { call: 2, step: k + 1 }, range: node.userDefined!.backward });
    const rule = await page.locator(".chain-rule").innerText();
    expect(rule).toContain("CubeBackward");
    expect(rule).toContain(`user-defined: Cube.backward at line ${lineOf("static backward(")}`);
    await screenshot(page, "/tmp/autograd-lens-custom-function-700x800.png");
  });
});
