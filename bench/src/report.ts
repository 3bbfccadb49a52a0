/**
 * Renders the side-by-side report, one section per backend: per step the best wall
 * time, throughput and peak RSS of each tool, the coffer/restic ratios with their
 * verdicts ("0.86, miss by 0.06", "0.74, met", or "0.74, machine busy, rerun"), store
 * sizes, CPU time and every rep's figures; above them the machine, the dataset and the
 * load average before and after the run.
 */
import type { Backend } from './backends.js';
import type { Dataset } from './dataset.js';
import { loadText, type LoadSnapshot } from './loadavg.js';
import type { MachineInfo } from './machine.js';
import { repsText, type Judged, type Summary, type ValueRow } from './summary.js';
import { STEP_LABELS } from './steps.js';
import { limitText, tallyText, verdictText } from './verdict.js';

/** `v` with `digits` decimals, or '-' when there is none. */
export function num(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

/** The ratio with its verdict, or the bare ratio when it is not judged. */
function judgedText(j: Judged | undefined): string {
  if (j === undefined) return '-';
  return j.verdict === undefined ? num(j.ratio, 2) : verdictText(j.verdict);
}

function limitOf(target: number | undefined): string {
  return target === undefined ? '-' : limitText({ limit: target, strict: false }, (x) => x.toFixed(1));
}

/** Renders rows as an aligned plain-text table (first column left, the rest right). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]): string =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(header), rule, ...rows.map(fmt)].join('\n');
}

function stepTable(s: Summary): string {
  const both = s.tools.length === 2;
  const header = ['step (best of reps)'];
  for (const t of s.tools) header.push(`${t} s`);
  for (const t of s.tools) header.push(`${t} MB/s`);
  for (const t of s.tools) header.push(`${t} RSS MiB`);
  if (both) header.push('wall c/r', 'target', 'RSS c/r', 'target');
  const rows = s.steps.map((row) => {
    const cells = [STEP_LABELS[row.step]];
    for (const t of s.tools) cells.push(num(row.tools[t]?.wallS, 2));
    for (const t of s.tools) cells.push(num(row.tools[t]?.mbps, 1));
    for (const t of s.tools) cells.push(num(row.tools[t]?.rssMiB, 0));
    if (both) cells.push(judgedText(row.wall), limitOf(s.targets.wall[row.step]), judgedText(row.rss), limitOf(s.targets.rss));
    return cells;
  });
  return table(header, rows);
}

function valueTable(s: Summary): string {
  const both = s.tools.length === 2;
  const header = ['size / memory (best of reps)', ...s.tools];
  if (both) header.push('c/r', 'target');
  const targets = [undefined, s.targets.store, s.targets.rss];
  const rows = [s.storeInitialMB, s.storeFinalMB, s.peakRssMiB].map((v: ValueRow, i) => {
    const cells = [v.label, ...s.tools.map((t) => num(v.tools[t], 1))];
    if (both) cells.push(judgedText(v.judged), limitOf(targets[i]));
    return cells;
  });
  return table(header, rows);
}

function cpuTable(s: Summary): string {
  const header = ['CPU seconds (user+sys, best)', ...s.tools];
  if (s.tools.length === 2) header.push('c/r');
  const rows = s.steps.map((row) => {
    const cells = [STEP_LABELS[row.step], ...s.tools.map((t) => num(row.tools[t]?.cpuS, 2))];
    if (s.tools.length === 2) cells.push(num(row.cpu, 2));
    return cells;
  });
  return table(header, rows);
}

function repsTable(s: Summary): string {
  const header = ['every rep, in run order'];
  for (const t of s.tools) header.push(`${t} wall s`);
  for (const t of s.tools) header.push(`${t} RSS MiB`);
  const rows = s.steps.map((row) => {
    const cells = [STEP_LABELS[row.step]];
    for (const t of s.tools) cells.push(repsText(row.tools[t]?.allWallS ?? [], 2));
    for (const t of s.tools) cells.push(repsText(row.tools[t]?.allRssMiB ?? [], 0));
    return cells;
  });
  const store = ['store after all 3 backups (MB)', ...s.tools.map((t) => repsText(s.storeFinalMB.all[t] ?? [], 1)), ...s.tools.map(() => '')];
  return table(header, [...rows, store]);
}

/** One backend's results. */
export interface Section {
  readonly backend: Backend;
  readonly summary: Summary;
}

function renderSection({ backend, summary: s }: Section): string[] {
  const lines = [
    `== ${backend.name}: ${backend.title}`,
    ...s.tools.map((t) => `   ${t}: ${backend.howTools[t]}`),
    '',
    stepTable(s),
    '',
    valueTable(s),
    '',
    cpuTable(s),
    '',
    repsTable(s),
    '',
  ];
  if (s.tools.length === 2) lines.push(`${backend.name}: ${tallyText(s.tally, s.withheld)} (ratios are coffer/restic; lower is better)`, '');
  return lines;
}

/** The load average before and after, and the heavy processes seen then, as report lines. */
export function loadLines(before: LoadSnapshot, after: LoadSnapshot | undefined, withheld: string | undefined): string[] {
  const lines = [`load average at start ${loadText(before.load)}${after === undefined ? '' : `; at end ${loadText(after.load)}`}`];
  if (withheld !== undefined) lines.push(`!!! no target is called met: ${withheld}`);
  for (const [when, snap] of [['start', before], ['end', after]] as const) {
    if (snap === undefined || snap.heavy.length === 0) continue;
    lines.push(`warning: other heavy processes at the ${when} (${snap.heavy.length}):`, ...snap.heavy.map((h) => `  ${h}`));
  }
  return lines;
}

/** The full report as text: machine, dataset and load, then one section per backend. */
export function renderReport(
  sections: readonly Section[],
  m: MachineInfo,
  ds: Dataset,
  modifiedBytes: number | undefined,
  load: { before: LoadSnapshot; after: LoadSnapshot; withheld: string | undefined },
): string {
  const versions = Object.entries(m.versions).map(([k, v]) => `${k}: ${v}`);
  const reps = Math.max(0, ...sections.map((x) => x.summary.reps));
  const lines = [
    '',
    `Coffer vs restic benchmark, ${m.date}`,
    `machine: ${m.cpu}, ${m.cores} logical cores, ${m.ramGiB.toFixed(1)} GiB RAM, ${m.os}, bench/work on ${m.fsType}`,
    ...loadLines(load.before, load.after, load.withheld),
    `node ${m.node}; ${versions.join('; ')}`,
    `dataset: ${ds.profile}, ${ds.files} files, ${(ds.bytes / 1e6).toFixed(1)} MB` +
      (modifiedBytes === undefined ? '' : `; after the change ${(modifiedBytes / 1e6).toFixed(1)} MB`) +
      `; reps ${reps}, alternating (best of each shown); MB = 10^6 bytes, MB/s = source bytes / wall`,
    'every restore verified: content (SHA-256), symlink targets, mode, mtime (restic to the ns, coffer to the µs of Node\'s utimes, an SFTP source to the second), owners when root',
    '',
  ];
  for (const section of sections) lines.push(...renderSection(section));
  if (sections.some((x) => x.summary.tools.length !== 2)) lines.push('ratios and targets need both tools (--tools coffer,restic)');
  return lines.join('\n');
}
