// Entry of the graph view bundle (dist/webview.js): one app on #app, talking to the VS Code host or,
// on the standalone page, to the embedded snapshot.
import { App } from "./app";
import { createHost } from "./host";

performance.mark("lens:start");
const host = createHost();
const root = document.getElementById("app") ?? document.body.appendChild(document.createElement("div"));
new App(root, host);
host.post({ type: "ready" });
