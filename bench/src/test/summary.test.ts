/** Unit tests of the benchmark's aggregation: the best of the reps (not the median), every rep kept, ratios judged. */
import assert from 'node:assert/strict';
import type { Targets } from '../backends.js';
import type { Sample } from '../measure.js';
import type { ModifyResult } from '../modify.js';
import { summarizeScale, type ScaleRun, type ScaleStep } from '../scale/scale-summary.js';
import type { StepResult, ToolRun } from '../scenario.js';
import { STEPS, type StepName } from '../steps.js';
import { best, repsText, summarize } from '../summary.js';
import type { ToolName } from '../tools.js';

const TARGETS: Targets = {
  wall: { create: undefined, initial: 0.8, nochange: 0.8, change: 0.8, restore: 0.8, check: 0.9 },
  store: 1.0,
  rss: 2.0,
};
const NO_CHANGE: ModifyResult = { filesChanged: 0, filesAdded: 0, bytesWritten: 0 };

function sample(wallS: number, rssMiB: number): StepResult {
  return { wallS, maxRssMiB: rssMiB, userS: wallS / 2, sysS: wallS / 4, bytes: 100e6 };
}

/** A run whose every step took `wallS` (the initial backup `initial`) with `rss` MiB. */
function run(tool: ToolName, rep: number, initial: number, rss: number, storeMB = 100): ToolRun {
  const steps = Object.fromEntries(STEPS.map((s) => [s, sample(s === 'initial' ? initial : 1, rss)])) as Record<StepName, StepResult>;
  return { tool, backend: 'local', rep, steps, storeInitialBytes: storeMB * 1e6, storeFinalBytes: storeMB * 1e6, storeFinalFiles: 1, modifiedBytes: 0, modify: NO_CHANGE, verifiedEntries: 1, mtimePrecisionNs: '1' };
}

describe('bench best-of summary', () => {
  it('takes the lowest of the values, ignoring ones that are not numbers', () => {
    assert.equal(best([5, 1, 3]), 1);
    assert.equal(best([2, Number.NaN, 4]), 2);
    assert.ok(Number.isNaN(best([])));
    assert.equal(repsText([6.41, 6.32, 6.5], 2), '6.41 6.32 6.50');
    assert.equal(repsText([], 2), '-');
  });

  it('reports the best rep of each tool per step, not the median, with every rep in run order', () => {
    // coffer: 9, 4, 5 s (median 5); restic: 6, 10, 8 s (median 8). Best: 4 / 6 = 0.67 (met); medians would give 0.625.
    const runs = [run('coffer', 1, 9, 300), run('restic', 1, 6, 100), run('restic', 2, 10, 120), run('coffer', 2, 4, 280), run('coffer', 3, 5, 290), run('restic', 3, 8, 110)];
    const s = summarize(['coffer', 'restic'], runs, TARGETS, undefined);
    const initial = s.steps.find((r) => r.step === 'initial');
    assert.equal(initial?.tools.coffer?.wallS, 4);
    assert.equal(initial?.tools.restic?.wallS, 6);
    assert.deepEqual(initial?.tools.coffer?.allWallS, [9, 4, 5]);
    assert.deepEqual(initial?.tools.restic?.allWallS, [6, 10, 8]);
    assert.ok(Math.abs((initial?.wall?.ratio ?? 0) - 4 / 6) < 1e-9);
    assert.equal(initial?.wall?.verdict?.status, 'met');
    assert.equal(initial?.tools.coffer?.rssMiB, 280);
    // RSS: best 280 against restic's best 100 = 2.8, a miss by 0.8.
    assert.equal(initial?.rss?.verdict?.status, 'miss');
    assert.ok(Math.abs((initial?.rss?.verdict?.by ?? 0) - 0.8) < 1e-9);
    assert.equal(s.peakRssMiB.tools.coffer, 280);
    assert.equal(s.reps, 3);
    // create has no target: shown, not judged.
    assert.equal(s.steps.find((r) => r.step === 'create')?.wall?.verdict, undefined);
  });

  it('calls nothing met on a busy machine but keeps the misses', () => {
    const runs = [run('coffer', 1, 4, 300), run('restic', 1, 6, 100)];
    const s = summarize(['coffer', 'restic'], runs, TARGETS, 'machine busy, rerun');
    const initial = s.steps.find((r) => r.step === 'initial');
    assert.equal(initial?.wall?.verdict?.status, 'withheld');
    assert.equal(initial?.rss?.verdict?.status, 'miss');
    assert.equal(s.tally.met, 0);
    assert.ok(s.tally.withheld > 0 && s.tally.missed > 0);
  });

  it('judges the scale case: wall time against 0.8 of restic, coffer peak RSS below 1 GiB', () => {
    const srun = (tool: ToolName, rep: number, wall: number, rss: number): ScaleRun => {
      const one: Sample = { wallS: wall, maxRssMiB: rss, userS: 0, sysS: 0 };
      const steps = { create: one, initial: one, nochange: one, ls: one, restore: one } satisfies Record<ScaleStep, Sample>;
      return { tool, rep, steps, check: { dirs: 1, files: 1, contentChecked: 1 } };
    };
    const runs = [srun('coffer', 1, 10, 1100), srun('restic', 1, 20, 500), srun('restic', 2, 30, 400), srun('coffer', 2, 15, 900)];
    const s = summarizeScale(['coffer', 'restic'], runs, undefined);
    const initial = s.rows.find((r) => r.step === 'initial');
    assert.equal(initial?.wall?.ratio, 0.5);
    assert.equal(initial?.wall?.verdict?.status, 'met');
    assert.equal(initial?.rss?.value, 900);
    assert.equal(initial?.rss?.status, 'met');
    assert.deepEqual(initial?.tools.coffer?.allRssMiB, [1100, 900]);
    assert.equal(s.rows.find((r) => r.step === 'create')?.rss, undefined);
    assert.equal(s.tally.total, 8);
    const busy = summarizeScale(['coffer', 'restic'], runs, 'machine busy, rerun');
    assert.equal(busy.tally.met, 0);
    assert.equal(busy.tally.withheld, 8);
  });
});
