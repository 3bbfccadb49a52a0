/**
 * The scale case's steps, targets and aggregation (issue 10): per step the best wall
 * time and peak RSS of each tool over the reps, coffer/restic of the best wall times
 * judged against <= 0.8, and coffer's best peak RSS judged against < 1 GiB. Pure.
 */
import type { Sample } from '../measure.js';
import { best, ratioOf, type Judged, type StepStats } from '../summary.js';
import type { ToolName } from '../tools.js';
import { judge, tally, type Tally, type Verdict } from '../verdict.js';
import type { ScaleCheck } from './scale-verify.js';

/** The timed steps of one scale run, in order. */
export const SCALE_STEPS = ['create', 'initial', 'nochange', 'ls', 'restore'] as const;
export type ScaleStep = (typeof SCALE_STEPS)[number];

/** How each step is named in the report. */
export const SCALE_LABELS: Readonly<Record<ScaleStep, string>> = {
  create: 'create/init',
  initial: 'initial backup',
  nochange: 'no-change backup',
  ls: 'ls --recursive latest',
  restore: 'restore latest',
};

/** Steps held to the targets (create is shown only). */
export const SCALE_JUDGED: readonly ScaleStep[] = ['initial', 'nochange', 'ls', 'restore'];
/** coffer/restic wall time, at most. */
export const SCALE_WALL_TARGET = 0.8;
/** coffer's peak RSS per step, below (MiB). */
export const SCALE_RSS_LIMIT_MIB = 1024;

/** One scale run of one tool. */
export interface ScaleRun {
  readonly tool: ToolName;
  readonly rep: number;
  readonly steps: Record<ScaleStep, Sample>;
  readonly check: ScaleCheck;
}

/** One step of one tool over its reps: the best wall time and peak RSS, and every rep's. */
export type ScaleStats = Pick<StepStats, 'wallS' | 'rssMiB' | 'allWallS' | 'allRssMiB'>;

/** One step across tools. */
export interface ScaleRow {
  readonly step: ScaleStep;
  readonly tools: Partial<Record<ToolName, ScaleStats>>;
  readonly wall: Judged | undefined;
  /** coffer's best peak RSS against {@link SCALE_RSS_LIMIT_MIB}. */
  readonly rss: Verdict | undefined;
}

/** The scale report's content. */
export interface ScaleSummary {
  readonly tools: readonly ToolName[];
  readonly reps: number;
  readonly withheld: string | undefined;
  readonly rows: ScaleRow[];
  readonly tally: Tally;
}

/** Aggregates the scale runs (best of the reps) and judges them; `withheld` keeps any target from being called met. */
export function summarizeScale(tools: readonly ToolName[], runs: readonly ScaleRun[], withheld: string | undefined): ScaleSummary {
  const rows = SCALE_STEPS.map((step): ScaleRow => {
    const per: Partial<Record<ToolName, ScaleStats>> = {};
    for (const t of tools) {
      const samples = runs.filter((r) => r.tool === t).map((r) => r.steps[step]);
      if (samples.length === 0) continue;
      const allWallS = samples.map((s) => s.wallS);
      const allRssMiB = samples.map((s) => s.maxRssMiB);
      per[t] = { wallS: best(allWallS), rssMiB: best(allRssMiB), allWallS, allRssMiB };
    }
    const judged = SCALE_JUDGED.includes(step);
    const c = per.coffer;
    return {
      step,
      tools: per,
      wall: ratioOf(c?.wallS, per.restic?.wallS, judged ? SCALE_WALL_TARGET : undefined, withheld),
      rss: judged && c !== undefined ? judge(c.rssMiB, SCALE_RSS_LIMIT_MIB, withheld, true) : undefined,
    };
  });
  return {
    tools,
    reps: Math.max(0, ...tools.map((t) => runs.filter((r) => r.tool === t).length)),
    withheld,
    rows,
    tally: tally(rows.flatMap((r) => [r.wall?.verdict, r.rss])),
  };
}
