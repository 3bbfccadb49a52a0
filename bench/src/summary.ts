/**
 * Aggregates one backend's runs (issue 10, "Benchmark rules"): per step and tool the
 * BEST of the reps (lowest wall time, lowest peak RSS, lowest CPU time, each taken on
 * its own), every rep's figures in run order beside it, and the coffer/restic ratios
 * judged against the backend's targets. Pure: no I/O.
 */
import type { Targets } from './backends.js';
import type { ToolRun } from './scenario.js';
import { STEPS, type StepName } from './steps.js';
import type { ToolName } from './tools.js';
import { judge, tally, type Tally, type Verdict } from './verdict.js';

/** The best (lowest) of `values`; NaN when there is none. */
export function best(values: readonly number[]): number {
  let out = Number.NaN;
  for (const v of values) if (Number.isFinite(v) && !(v >= out)) out = v;
  return out;
}

/** Every rep's figure in run order, compactly: "6.41 6.32 6.50". */
export function repsText(values: readonly number[], digits: number): string {
  return values.length === 0 ? '-' : values.map((v) => (Number.isFinite(v) ? v.toFixed(digits) : '-')).join(' ');
}

/** One step of one tool: the best of its reps, and every rep. */
export interface StepStats {
  readonly wallS: number;
  /** Source bytes / best wall time, in MB/s. */
  readonly mbps: number | undefined;
  readonly rssMiB: number;
  readonly cpuS: number;
  readonly allWallS: readonly number[];
  readonly allRssMiB: readonly number[];
}

/** A coffer/restic ratio, with its verdict when the backend has a target for it. */
export interface Judged {
  readonly ratio: number;
  readonly verdict: Verdict | undefined;
}

/** One step across tools. */
export interface StepRow {
  readonly step: StepName;
  readonly tools: Partial<Record<ToolName, StepStats>>;
  readonly wall: Judged | undefined;
  readonly rss: Judged | undefined;
  readonly cpu: number | undefined;
}

/** One per-run quantity (store size, peak RSS) across tools: best and all reps. */
export interface ValueRow {
  readonly label: string;
  readonly tools: Partial<Record<ToolName, number>>;
  readonly all: Partial<Record<ToolName, readonly number[]>>;
  readonly judged: Judged | undefined;
}

/** Everything the report shows for one backend. */
export interface Summary {
  readonly tools: readonly ToolName[];
  readonly targets: Targets;
  readonly reps: number;
  /** Why no target is called met, if so (see verdict.ts). */
  readonly withheld: string | undefined;
  readonly steps: StepRow[];
  readonly storeInitialMB: ValueRow;
  readonly storeFinalMB: ValueRow;
  readonly peakRssMiB: ValueRow;
  readonly tally: Tally;
}

/** coffer/restic of two best values, judged against `target` when there is one. */
export function ratioOf(c: number | undefined, r: number | undefined, target: number | undefined, withheld: string | undefined): Judged | undefined {
  if (c === undefined || r === undefined || !Number.isFinite(c) || !Number.isFinite(r) || r === 0) return undefined;
  const ratio = c / r;
  return { ratio, verdict: target === undefined ? undefined : judge(ratio, target, withheld) };
}

function valueRow(label: string, tools: readonly ToolName[], runs: readonly ToolRun[], pick: (r: ToolRun) => number, target: number | undefined, withheld: string | undefined): ValueRow {
  const values: Partial<Record<ToolName, number>> = {};
  const all: Partial<Record<ToolName, number[]>> = {};
  for (const t of tools) {
    const mine = runs.filter((r) => r.tool === t).map(pick);
    if (mine.length === 0) continue;
    values[t] = best(mine);
    all[t] = mine;
  }
  return { label, tools: values, all, judged: ratioOf(values.coffer, values.restic, target, withheld) };
}

function stepStats(mine: readonly ToolRun[], step: StepName): StepStats {
  const samples = mine.map((r) => r.steps[step]);
  const wallS = best(samples.map((s) => s.wallS));
  const bytes = samples[0]?.bytes ?? 0;
  return {
    wallS,
    mbps: bytes > 0 && wallS > 0 ? bytes / 1e6 / wallS : undefined,
    rssMiB: best(samples.map((s) => s.maxRssMiB)),
    cpuS: best(samples.map((s) => s.userS + s.sysS)),
    allWallS: samples.map((s) => s.wallS),
    allRssMiB: samples.map((s) => s.maxRssMiB),
  };
}

/** Aggregates one backend's runs (best of the reps) and judges the ratios against `targets`; `withheld` (see verdict.ts) keeps any from being called met. */
export function summarize(tools: readonly ToolName[], runs: readonly ToolRun[], targets: Targets, withheld: string | undefined): Summary {
  const steps: StepRow[] = STEPS.map((step) => {
    const per: Partial<Record<ToolName, StepStats>> = {};
    for (const t of tools) {
      const mine = runs.filter((r) => r.tool === t);
      if (mine.length > 0) per[t] = stepStats(mine, step);
    }
    const c = per.coffer;
    const r = per.restic;
    return {
      step,
      tools: per,
      wall: ratioOf(c?.wallS, r?.wallS, targets.wall[step], withheld),
      rss: ratioOf(c?.rssMiB, r?.rssMiB, targets.rss, withheld),
      cpu: ratioOf(c?.cpuS, r?.cpuS, undefined, undefined)?.ratio,
    };
  });
  const storeInitialMB = valueRow('store after initial backup (MB)', tools, runs, (r) => r.storeInitialBytes / 1e6, undefined, withheld);
  const storeFinalMB = valueRow('store after all 3 backups (MB)', tools, runs, (r) => r.storeFinalBytes / 1e6, targets.store, withheld);
  const peakRssMiB = valueRow('peak RSS over all steps (MiB)', tools, runs, (r) => Math.max(...STEPS.map((s) => r.steps[s].maxRssMiB)), targets.rss, withheld);
  const verdicts = [...steps.flatMap((s) => [s.wall?.verdict, s.rss?.verdict]), storeFinalMB.judged?.verdict, peakRssMiB.judged?.verdict];
  return {
    tools,
    targets,
    reps: Math.max(0, ...tools.map((t) => runs.filter((r) => r.tool === t).length)),
    withheld,
    steps,
    storeInitialMB,
    storeFinalMB,
    peakRssMiB,
    tally: tally(verdicts),
  };
}
