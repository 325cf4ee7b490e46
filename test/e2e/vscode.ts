// Helpers for end-to-end tests in a real VS Code: code-server (VS Code 1.139 served to a browser,
// installed by test/e2e/setup.mjs into CACHE_DIR) driven by the system's Chromium through
// playwright-core.
//
//   const server = await startCodeServer({ vsix, workspace });
//   const browser = await launchBrowser();
//   const page = await openWorkbench(browser, server.url, workspace);
//   await runCommand(page, "Autograd Lens: Show Graph");
//   const frame = await findWebviewFrame(page, "#app");
//   ...
//   await browser.close(); await server.stop();
//
// Test code here is type-checked without the DOM library (test/tsconfig.json): code that runs in
// the page is given to page.evaluate as a string.
export * from "./code-server";
export * from "./workbench";
export * from "./package";
