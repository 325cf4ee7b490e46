// Formatting for the harness's report: numbers, sizes, plain-text tables, log lines.
import { CASES } from './common.mjs';

export function log(msg) {
  process.stderr.write(`${msg}\n`);
}

export function fmtNum(x) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toPrecision(2);
}
export const fmtMs = (ms) => `${fmtNum(ms)} ms`;

export function sizeLabel(caseId, size) {
  if (caseId === 'b') return `N=${size}`;
  if (caseId === 'c') return size === 1e6 ? '1e6' : String(size);
  if (caseId === 'k') return `${size}x${size} grid`;
  if (caseId === 'n') return `${size} ops`;
  if (CASES[caseId]?.kind === 'runner' || CASES[caseId]?.kind === 'graph' || CASES[caseId]?.kind === 'replay') return size === null ? 'textbook' : `${size} nodes`;
  return `${size} samples`;
}

export const fmtBytes = (n) => (n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}
