/** Unit tests of the benchmark's verdicts: met, missed by how much, and withheld on a busy machine or a quick run. */
import assert from 'node:assert/strict';
import { BUSY_LOAD, judge, limitText, tally, tallyText, verdictText, withholdReason } from '../verdict.js';

describe('bench verdicts', () => {
  it('calls a ratio at or under its target met, and says by how much a miss misses', () => {
    assert.equal(verdictText(judge(0.74, 0.8, undefined)), '0.74, met');
    assert.equal(verdictText(judge(0.8, 0.8, undefined)), '0.80, met');
    assert.equal(verdictText(judge(0.86, 0.8, undefined)), '0.86, miss by 0.06');
    const miss = judge(1.27, 0.8, undefined);
    assert.equal(miss.status, 'miss');
    assert.ok(Math.abs(miss.by - 0.47) < 1e-9);
  });

  it('never rounds a miss into "miss by 0.00"', () => {
    assert.equal(verdictText(judge(0.8004, 0.8, undefined)), '0.80, miss by <0.01');
  });

  it('judges an absolute limit, strict or not, in its own unit', () => {
    const mib = (v: number): string => `${v.toFixed(0)} MiB`;
    assert.equal(verdictText(judge(812, 1024, undefined, true), mib), '812 MiB, met');
    assert.equal(verdictText(judge(1024, 1024, undefined, true), mib), '1024 MiB, miss by <1 MiB');
    assert.equal(verdictText(judge(1204, 1024, undefined, true), mib), '1204 MiB, miss by 180 MiB');
    assert.equal(limitText({ limit: 1024, strict: true }, mib), '<1024 MiB');
    assert.equal(limitText({ limit: 0.8, strict: false }), '<=0.8');
  });

  it('says "machine busy, rerun" instead of met when the load at the start was above 1.5, and still shows misses', () => {
    const busy = withholdReason(BUSY_LOAD + 0.01, 3);
    assert.equal(busy, 'machine busy, rerun');
    assert.equal(verdictText(judge(0.74, 0.8, busy)), '0.74, machine busy, rerun');
    assert.equal(judge(0.74, 0.8, busy).status, 'withheld');
    assert.equal(verdictText(judge(0.86, 0.8, busy)), '0.86, miss by 0.06');
  });

  it('lets a run call targets met only at a load of 1.5 or less and with at least 3 reps', () => {
    assert.equal(withholdReason(BUSY_LOAD, 3), undefined);
    assert.equal(withholdReason(0.2, 5), undefined);
    assert.equal(withholdReason(0.2, 1), 'quick run (1 rep), rerun');
    assert.equal(withholdReason(0.2, 2), 'quick run (2 reps), rerun');
    assert.equal(withholdReason(9, 1), 'machine busy, rerun');
    assert.equal(withholdReason(Number.NaN, 3), 'machine busy, rerun');
  });

  it('treats a value that is not a number as a miss', () => {
    assert.equal(judge(Number.NaN, 0.8, undefined).status, 'miss');
  });

  it('counts verdicts and says none was called met when withheld', () => {
    const busy = 'machine busy, rerun';
    const t = tally([judge(0.7, 0.8, busy), judge(0.9, 0.8, busy), undefined, judge(0.5, 1, busy)]);
    assert.deepEqual(t, { met: 0, missed: 1, withheld: 2, total: 3 });
    assert.equal(tallyText(t, busy), 'no target called met (machine busy, rerun): 2 within target, 1 missed, of 3');
    const ok = tally([judge(0.7, 0.8, undefined), judge(0.9, 0.8, undefined)]);
    assert.equal(tallyText(ok, undefined), 'targets met 1/2, missed 1');
  });
});
