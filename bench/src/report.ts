/**
 * Turns runs into the side-by-side report, one section per backend: per step the median
 * wall time, throughput and peak RSS of each tool, the coffer/restic ratios with the
 * backend's targets (PASS/MISS), CPU time, store sizes, and the machine the numbers
 * came from.
 */
import type { Backend, Targets } from './backends.js';
import type { Dataset } from './dataset.js';
import type { MachineInfo } from './machine.js';
import type { ToolRun } from './scenario.js';
import { STEPS, STEP_LABELS, type StepName } from './steps.js';
import type { ToolName } from './tools.js';

/** Medians of one step for one tool. */
export interface StepStats {
  readonly wallS: number;
  readonly mbps: number | undefined;
  readonly rssMiB: number;
  readonly cpuS: number;
}

/** A ratio against its target. */
export interface Judged {
  readonly ratio: number;
  readonly target: number | undefined;
  readonly pass: boolean | undefined;
}

/** One step across tools. */
export interface StepRow {
  readonly step: StepName;
  readonly tools: Partial<Record<ToolName, StepStats>>;
  readonly wall: Judged | undefined;
  readonly rss: Judged | undefined;
  readonly cpu: number | undefined;
}

/** One per-tool quantity with its ratio. */
export interface ValueRow {
  readonly label: string;
  readonly tools: Partial<Record<ToolName, number>>;
  readonly judged: Judged | undefined;
}

/** Everything the report shows for one backend. */
export interface Summary {
  readonly tools: readonly ToolName[];
  readonly targets: Targets;
  readonly reps: number;
  readonly steps: StepRow[];
  readonly storeInitialMB: ValueRow;
  readonly storeFinalMB: ValueRow;
  readonly peakRssMiB: ValueRow;
  readonly met: number;
  readonly judgedCount: number;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const hi = s[mid] ?? Number.NaN;
  return s.length % 2 === 1 ? hi : ((s[mid - 1] ?? Number.NaN) + hi) / 2;
}

function judge(c: number | undefined, r: number | undefined, target: number | undefined): Judged | undefined {
  if (c === undefined || r === undefined || r === 0) return undefined;
  const ratio = c / r;
  return { ratio, target, pass: target === undefined ? undefined : ratio <= target };
}

function valueRow(label: string, tools: readonly ToolName[], runs: readonly ToolRun[], pick: (r: ToolRun) => number, target: number | undefined): ValueRow {
  const values: Partial<Record<ToolName, number>> = {};
  for (const t of tools) {
    const mine = runs.filter((r) => r.tool === t).map(pick);
    if (mine.length > 0) values[t] = median(mine);
  }
  return { label, tools: values, judged: judge(values.coffer, values.restic, target) };
}

/** Aggregates one backend's runs (medians over reps) and judges the ratios against `targets`. */
export function summarize(tools: readonly ToolName[], runs: readonly ToolRun[], targets: Targets): Summary {
  const steps: StepRow[] = STEPS.map((step) => {
    const per: Partial<Record<ToolName, StepStats>> = {};
    for (const t of tools) {
      const mine = runs.filter((r) => r.tool === t).map((r) => r.steps[step]);
      if (mine.length === 0) continue;
      const wallS = median(mine.map((s) => s.wallS));
      const bytes = median(mine.map((s) => s.bytes));
      per[t] = {
        wallS,
        mbps: bytes > 0 && wallS > 0 ? bytes / 1e6 / wallS : undefined,
        rssMiB: median(mine.map((s) => s.maxRssMiB)),
        cpuS: median(mine.map((s) => s.userS + s.sysS)),
      };
    }
    const c = per.coffer;
    const r = per.restic;
    return {
      step,
      tools: per,
      wall: judge(c?.wallS, r?.wallS, targets.wall[step]),
      rss: judge(c?.rssMiB, r?.rssMiB, targets.rss),
      cpu: judge(c?.cpuS, r?.cpuS, undefined)?.ratio,
    };
  });
  const storeInitialMB = valueRow('store after initial backup (MB)', tools, runs, (r) => r.storeInitialBytes / 1e6, undefined);
  const storeFinalMB = valueRow('store after all 3 backups (MB)', tools, runs, (r) => r.storeFinalBytes / 1e6, targets.store);
  const peakRssMiB = valueRow('peak RSS over all steps (MiB)', tools, runs, (r) => Math.max(...STEPS.map((s) => r.steps[s].maxRssMiB)), targets.rss);
  const verdicts: (boolean | undefined)[] = [
    ...steps.flatMap((s) => [s.wall?.pass, s.rss?.pass]),
    storeFinalMB.judged?.pass,
    peakRssMiB.judged?.pass,
  ];
  const judgedList = verdicts.filter((v): v is boolean => v !== undefined);
  return {
    tools,
    targets,
    reps: Math.max(0, ...tools.map((t) => runs.filter((r) => r.tool === t).length)),
    steps,
    storeInitialMB,
    storeFinalMB,
    peakRssMiB,
    met: judgedList.filter((v) => v).length,
    judgedCount: judgedList.length,
  };
}

function num(v: number | undefined, digits: number): string {
  return v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}

function verdict(j: Judged | undefined): string {
  if (j?.pass === undefined) return '';
  return j.pass ? 'PASS' : 'MISS';
}

function target(j: Judged | undefined, fallback: number | undefined): string {
  const t = j?.target ?? fallback;
  return t === undefined ? '-' : `<=${t.toFixed(1)}`;
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
  const header = ['step'];
  for (const t of s.tools) header.push(`${t} s`);
  for (const t of s.tools) header.push(`${t} MB/s`);
  for (const t of s.tools) header.push(`${t} RSS MiB`);
  if (both) header.push('wall c/r', 'target', '', 'RSS c/r', 'target', '');
  const rows = s.steps.map((row) => {
    const cells = [STEP_LABELS[row.step]];
    for (const t of s.tools) cells.push(num(row.tools[t]?.wallS, 2));
    for (const t of s.tools) cells.push(num(row.tools[t]?.mbps, 1));
    for (const t of s.tools) cells.push(num(row.tools[t]?.rssMiB, 0));
    if (both) {
      cells.push(num(row.wall?.ratio, 2), target(row.wall, s.targets.wall[row.step]), verdict(row.wall));
      cells.push(num(row.rss?.ratio, 2), target(row.rss, s.targets.rss), verdict(row.rss));
    }
    return cells;
  });
  return table(header, rows);
}

function cpuTable(s: Summary): string {
  const header = ['CPU seconds (user+sys)', ...s.tools];
  if (s.tools.length === 2) header.push('c/r');
  const rows = s.steps.map((row) => {
    const cells = [STEP_LABELS[row.step], ...s.tools.map((t) => num(row.tools[t]?.cpuS, 2))];
    if (s.tools.length === 2) cells.push(num(row.cpu, 2));
    return cells;
  });
  return table(header, rows);
}

function valueTable(s: Summary): string {
  const both = s.tools.length === 2;
  const header = ['size / memory', ...s.tools];
  if (both) header.push('c/r', 'target', '');
  const rows = [s.storeInitialMB, s.storeFinalMB, s.peakRssMiB].map((v) => {
    const cells = [v.label, ...s.tools.map((t) => num(v.tools[t], 1))];
    if (both) cells.push(num(v.judged?.ratio, 2), target(v.judged, undefined), verdict(v.judged));
    return cells;
  });
  return table(header, rows);
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
  ];
  if (s.tools.length === 2) lines.push(`${backend.name}: targets met ${s.met}/${s.judgedCount} (ratios are coffer/restic; lower is better)`, '');
  return lines;
}

/** The full report as text: machine and dataset, then one section per backend. */
export function renderReport(sections: readonly Section[], m: MachineInfo, ds: Dataset, modifiedBytes: number | undefined): string {
  const versions = Object.entries(m.versions).map(([k, v]) => `${k}: ${v}`);
  const reps = Math.max(0, ...sections.map((x) => x.summary.reps));
  const lines = [
    '',
    `Coffer vs restic benchmark, ${m.date}`,
    `machine: ${m.cpu}, ${m.cores} logical cores, ${m.ramGiB.toFixed(1)} GiB RAM, ${m.os}, bench/work on ${m.fsType}; load average ${m.load1.toFixed(2)} at start`,
    `node ${m.node}; ${versions.join('; ')}`,
    `dataset: ${ds.profile}, ${ds.files} files, ${(ds.bytes / 1e6).toFixed(1)} MB` +
      (modifiedBytes === undefined ? '' : `; after 5% change ${(modifiedBytes / 1e6).toFixed(1)} MB`) +
      `; reps ${reps} (medians shown); MB = 10^6 bytes, MB/s = source bytes / wall`,
    '',
  ];
  for (const section of sections) lines.push(...renderSection(section));
  if (sections.some((x) => x.summary.tools.length !== 2)) lines.push('ratios and targets need both tools (--tools coffer,restic)');
  return lines.join('\n');
}
