#!/usr/bin/env node
// Renders images/icon.png (128×128, the extension's marketplace icon) from the SVG below in the
// system's Chromium through playwright-core (no other tools):  node images/make-icon.mjs
// The picture: a small computational graph — two leaves feeding an op feeding the output — with the
// gradient flowing back along the edges in orange, on a dark rounded square.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const OUT = path.join(path.dirname(fileURLToPath(import.meta.url)), "icon.png");
const SIZE = 128;

const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${SIZE}" height="${SIZE}" viewBox="0 0 128 128">
  <defs>
    <linearGradient id="bg" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="#26304a"/>
      <stop offset="1" stop-color="#141a2b"/>
    </linearGradient>
    <marker id="fwd" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto">
      <path d="M0,0 L10,5 L0,10 z" fill="#8fb8ff"/>
    </marker>
    <marker id="bwd" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto">
      <path d="M0,0 L10,5 L0,10 z" fill="#f5a623"/>
    </marker>
  </defs>
  <rect x="4" y="4" width="120" height="120" rx="24" fill="url(#bg)"/>
  <!-- forward edges (blue), leaves on the left -->
  <path d="M36,38 L58,58" stroke="#8fb8ff" stroke-width="5" fill="none" marker-end="url(#fwd)" stroke-linecap="round"/>
  <path d="M36,90 L58,70" stroke="#8fb8ff" stroke-width="5" fill="none" marker-end="url(#fwd)" stroke-linecap="round"/>
  <path d="M76,64 L90,64" stroke="#8fb8ff" stroke-width="5" fill="none" marker-end="url(#fwd)" stroke-linecap="round"/>
  <!-- backward edges (orange), curved the other way -->
  <path d="M98,50 C92,26 58,18 38,24" stroke="#f5a623" stroke-width="5" fill="none" marker-end="url(#bwd)" stroke-linecap="round"/>
  <path d="M98,78 C92,102 58,110 38,104" stroke="#f5a623" stroke-width="5" fill="none" marker-end="url(#bwd)" stroke-linecap="round"/>
  <!-- nodes: leaves, op pill, output -->
  <circle cx="28" cy="32" r="11" fill="#e8eefc" stroke="#8fb8ff" stroke-width="3"/>
  <circle cx="28" cy="96" r="11" fill="#e8eefc" stroke="#8fb8ff" stroke-width="3"/>
  <rect x="54" y="54" width="24" height="20" rx="10" fill="#3b4a6e" stroke="#8fb8ff" stroke-width="3"/>
  <circle cx="104" cy="64" r="13" fill="#f5a623" stroke="#ffd89a" stroke-width="3"/>
  <text x="104" y="70" font-family="DejaVu Sans, Arial, sans-serif" font-size="17" font-weight="bold" fill="#141a2b" text-anchor="middle">∇</text>
</svg>`;

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
try {
  const page = await browser.newPage({ viewport: { width: SIZE, height: SIZE }, deviceScaleFactor: 1 });
  await page.setContent(`<!DOCTYPE html><html><body style="margin:0;background:transparent">${svg}</body></html>`);
  await page.screenshot({ path: OUT, omitBackground: true, clip: { x: 0, y: 0, width: SIZE, height: SIZE } });
  console.log(`wrote ${path.relative(process.cwd(), OUT)}`);
} finally {
  await browser.close();
}
