// The harness's plain-text report (stdout): the peers' median times and ratios, our own
// cases (runner, graph view, replay), the per-op cases against PyTorch, the targets, the
// jobs that could not run and the correctness checks.
import { ALL_PEERS, CASES } from './common.mjs';
import { fmtBytes, fmtMs, fmtNum, sizeLabel, table } from './format.mjs';

/** Report lines for one run; `find(peer, caseId, size)` looks up a result. */
export function formatReport({ opts, results, find, ratios, targets, checks, machine }) {
  const isRunner = (caseId) => CASES[caseId].kind === 'runner';
  const isGraph = (caseId) => CASES[caseId].kind === 'graph';
  const isReplay = (caseId) => CASES[caseId].kind === 'replay';
  const engineCases = opts.only.filter((id) => !isRunner(id) && !isGraph(id) && !isReplay(id));
  const replayCases = opts.only.filter(isReplay);
  const runnerCases = opts.only.filter(isRunner);
  const graphCases = opts.only.filter(isGraph);
  const peers = ALL_PEERS.filter((p) => opts.peers.includes(p) && results.some((r) => r.peer === p && engineCases.includes(r.caseId)));
  const rowsOf = (cell) => {
    const rows = [];
    for (const caseId of engineCases) {
      for (const size of CASES[caseId].sizes) {
        const label = caseId === 'b' ? `${CASES[caseId].title} ${sizeLabel(caseId, size)}` : CASES[caseId].title;
        rows.push([label, ...peers.map((p) => cell(find(p, caseId, size), p))]);
      }
    }
    return rows;
  };
  const out = [];
  if (peers.length) {
    out.push(`\nmedian time of one rep: forward+backward, for (m) the whole training loop (${machine})`);
    out.push(table([['case', ...peers], ...rowsOf((r) => {
      if (!r) return '-';
      if (!r.ok) return 'n/a';
      return `${fmtMs(r.medianMs)}${r.gflops ? ` (${fmtNum(r.gflops)} GF/s)` : ''}${r.checkOk === false ? ' !check' : ''}`;
    })]));
  }
  if (peers.includes('ours') && peers.length > 1) {
    out.push('\nours/peer time ratio (< 1: ours is faster)');
    out.push(table([['case', ...peers.filter((p) => p !== 'ours')], ...rowsOf((r, p) => {
      if (p === 'ours') return null;
      if (!r) return '-';
      const x = ratios.find((q) => q.peer === p && q.caseId === r.caseId && q.size === r.size);
      return x ? `${fmtNum(x.oursOverPeer)}x` : 'n/a';
    }).map((row) => row.filter((cell) => cell !== null))]));
  }
  const oursA = find('ours', 'a', 100);
  if (oursA?.nodes) out.push(`\n(a) graph size for ours: ${oursA.nodes} nodes`);
  const mgA = find('micrograd', 'a', 100);
  if (mgA?.nodes) out.push(`(a) graph size for micrograd: ${mgA.nodes} Values (incl. wrapped constants)`);
  // Our own cases (runner, graph view, replay): one row per (case, size) that ran, the median, min
  // and reps, then the columns of that kind of case.
  const oursTable = (caseIds, heading, heads, cells) => {
    const rows = caseIds.flatMap((caseId) => CASES[caseId].sizes.map((size) => [CASES[caseId].title, find('ours', caseId, size)]))
      .filter(([, r]) => r);
    if (!rows.length) return;
    out.push(`\n${heading}`);
    out.push(table([['case', 'median', 'min', 'reps', ...heads], ...rows.map(([title, r]) => {
      if (!r.ok) return [title, 'n/a', '', '', ...heads.map(() => '')];
      return [title, `${fmtMs(r.medianMs)}${r.checkOk === false ? ' !check' : ''}`, fmtMs(r.minMs), String(r.reps), ...cells(r)];
    })]));
  };
  // "in child": the child's own share (transpile, run, record); the rest is process
  // start and boot (cold only), IPC and (de)serializing the snapshot.
  oursTable(runnerCases, `runner, ours: median time from source text to snapshot (${machine})`, ['in child', 'graph', 'snapshot JSON'], (r) => {
    const g = r.snapshot;
    return [
      fmtMs(r.childMedianMs),
      `${g.nodes} nodes, ${g.tensors} tensors, ${g.backwardSteps} steps${g.stepsTruncated ? ' (truncated)' : ''}`,
      fmtBytes(g.jsonBytes),
    ];
  });
  // (g)–(i): snapshot posted to a loaded page → first painted graph, and "with page load": the
  // standalone page's navigation start → the same; (j): one → key's main-thread work.
  const browser = graphCases.flatMap((caseId) => CASES[caseId].sizes.map((size) => find('ours', caseId, size)?.browser)).find(Boolean) ?? 'chromium';
  oursTable(graphCases, `graph view, ours: median time from snapshot to first paint / per backward step (${machine}; ${browser})`, ['with page load', 'graph', 'page'], (r) => {
    const g = r.snapshot;
    return [r.pageMedianMs === undefined ? '' : fmtMs(r.pageMedianMs), `${g.nodes} nodes, ${g.edges} edges, ${g.backwardSteps} steps${g.stepsTruncated ? ' (truncated)' : ''}`, fmtBytes(g.htmlBytes)];
  });
  // Per rep: evaluateBatch on a fresh copy of the program (slice, reference run, batched pass);
  // cancel: from shouldStop turning true (half-way) to ReplayCancelled.
  oursTable(replayCases, `replay, ours: median time of evaluateBatch over the grid (${machine})`, ['program', 'points', 'cancel'], (r) => {
    const x = r.replay;
    return [`${x.ops} ops, ${fmtBytes(x.programJsonBytes)}`, String(x.points), x.cancelMs === null ? 'finished first' : fmtMs(x.cancelMs)];
  });
  perOpTable(out, results, find, opts, machine);
  if (targets.length) {
    out.push('\ntargets');
    out.push(table(targets.map((t) => [t.status, t.target, t.note ?? ''])));
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    out.push('\nn/a');
    for (const r of failed) out.push(`  ${r.peer} ${r.caseId} ${sizeLabel(r.caseId, r.size)}: ${r.error}`);
  }
  if (checks.length) {
    out.push('\nCHECK MISMATCHES (loss/gradient samples differ from the reference)');
    for (const m of checks) out.push(`  ${m.peer} ${m.caseId} ${sizeLabel(m.caseId, m.size)}: got [${m.got.map(fmtNum)}] expected [${m.expected.map(fmtNum)}]`);
  } else {
    out.push('\nchecks: every peer that ran agrees with the reference losses/gradients');
  }
  return out;
}

/** The cases with per-op overhead at stake, (m) and (n): ours against PyTorch, median and best of 5. */
const PER_OP_CASES = ['m', 'n', 'o', 'p'];

/**
 * (m) and (n) side by side: median and best of the first 5 timed reps for ours and PyTorch
 * (the best of 5 is what a busy machine disturbs least), both ratios, the ratio of the median
 * CPU times (the process's own CPU time per rep, which waiting for a core does not count), and
 * the load average when each job ended (2 cores: above ~1 the timings are suspect).
 */
function perOpTable(out, results, find, opts, machine) {
  const rows = [];
  for (const caseId of PER_OP_CASES.filter((id) => opts.only.includes(id))) {
    for (const size of CASES[caseId].sizes) {
      const ours = find('ours', caseId, size);
      const torch = find('pytorch', caseId, size);
      if (!ours && !torch) continue;
      const cell = (r, key) => (r?.ok ? fmtMs(r[key]) : r ? 'n/a' : '-');
      const ratio = (key) => (ours?.ok && torch?.ok ? `${fmtNum(ours[key] / torch[key])}x` : '-');
      const load = [ours, torch].map((r) => (r?.loadAvg1 === undefined ? '-' : r.loadAvg1.toFixed(2))).join(' / ');
      // With --rounds, ours and PyTorch ran close together in time in each round: their ratio per round.
      const perRound = ours?.roundMediansMs && torch?.roundMediansMs
        ? ours.roundMediansMs.map((ms, k) => fmtNum(ms / torch.roundMediansMs[k])).join(', ') : '';
      rows.push([CASES[caseId].title, cell(ours, 'medianMs'), cell(ours, 'best5Ms'), cell(torch, 'medianMs'), cell(torch, 'best5Ms'),
        ratio('medianMs'), ratio('best5Ms'), ratio('cpuMedianMs'), load, perRound]);
    }
  }
  if (!rows.length) return;
  out.push(`\nper-op overhead, ours vs PyTorch on one thread (${machine})`);
  const head = ['case', 'ours median', 'ours best of 5', 'pytorch median', 'pytorch best of 5', 'ratio median', 'ratio best of 5', 'ratio CPU median', 'load ours / pytorch'];
  const rounds = rows.some((row) => row[9] !== '');
  out.push(table([rounds ? [...head, 'ratio per round'] : head, ...rows.map((row) => (rounds ? row : row.slice(0, 9)))]));
}
