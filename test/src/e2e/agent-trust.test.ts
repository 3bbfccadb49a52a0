/**
 * End to end: the agent's jobs remember the identity of the stores they use across jobs
 * (in `<workDir>/state/`, though each job's config folder is private and removed), so
 * that a store re-created or switched to plaintext at the same location fails the next
 * job (exit 14, not retried) without writing to it, until the change is accepted.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runJob } from '@coffer/agent/jobs/index.js';
import { RunJob } from '@coffer/shared/gen/coffer/v1/agent.js';
import { JobKind, JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import { assertExit, cleanupTmpDirs, COFFER_BIN, cofferEnv, createStore, runCoffer, TEST_PASSPHRASE, tmpDir } from '../helpers/cli.js';
import { freshPlaintextConfig, storeListing } from '../helpers/store-forgery.js';
import { writeTree } from '../helpers/tree.js';

let jobCounter = 0;

/** Runs one backup job of `src` into `store` (named "main"), with the test passphrase. */
async function backupJob(workDir: string, store: string, src: string): Promise<Awaited<ReturnType<typeof runJob>>> {
  const job = RunJob.fromPartial({
    jobId: `trust-${++jobCounter}`,
    kind: JobKind.JOB_KIND_BACKUP,
    spec: { spec: { $case: 'backup', value: { source: 'docs', store: 'main', tags: [], ignore: [] } } },
    store: { name: 'main', location: store, options: {} },
    source: { name: 'docs', location: src, options: {} },
    passphrase: TEST_PASSPHRASE,
    attempt: 1,
  });
  // The test environment's own COFFER_STATE_DIR must not be what the job uses.
  return runJob(job, { workDir, cofferBin: COFFER_BIN, signal: new AbortController().signal, env: cofferEnv({ COFFER_STATE_DIR: tmpDir('coffer-wrong-state-') }) });
}

describe('agent jobs remember store identities', function () {
  after(cleanupTmpDirs);

  it('a job after the store was re-created, or switched to plaintext, fails with exit 14 and writes nothing', async function () {
    const root = tmpDir();
    const workDir = path.join(root, 'agent');
    const store = path.join(root, 'store');
    const src = path.join(root, 'src');
    writeTree(src, { 'a.txt': 'agent data\n' });
    createStore(store, [], { env: { COFFER_STATE_DIR: tmpDir('coffer-state-') } });

    const first = await backupJob(workDir, store, src);
    assert.equal(first.state, JobState.JOB_STATE_SUCCEEDED, first.result.error);
    const records = fs.readdirSync(path.join(workDir, 'state', 'known-stores'));
    assert.equal(records.length, 1, 'the first job remembered the store in <workDir>/state');
    const second = await backupJob(workDir, store, src);
    assert.equal(second.state, JobState.JOB_STATE_SUCCEEDED, `the second job passes: ${second.result.error}`);

    fs.writeFileSync(path.join(store, 'config'), freshPlaintextConfig());
    let before = storeListing(store);
    const swapped = await backupJob(workDir, store, src);
    assert.equal(swapped.state, JobState.JOB_STATE_FAILED);
    assert.equal(swapped.result.exitCode, 14);
    assert.equal(swapped.result.retryable, false);
    assert.match(swapped.result.error, /claims to be unencrypted/);
    assert.deepEqual(storeListing(store), before, 'nothing written');

    fs.rmSync(store, { recursive: true });
    createStore(store, [], { env: { COFFER_STATE_DIR: tmpDir('coffer-state-') } });
    before = storeListing(store);
    const recreated = await backupJob(workDir, store, src);
    assert.equal(recreated.state, JobState.JOB_STATE_FAILED);
    assert.equal(recreated.result.exitCode, 14);
    assert.match(recreated.result.error, /its store id changed .*trust --reset/);
    assert.deepEqual(storeListing(store), before, 'nothing written');

    // Accepted by the admin, with the agent's state folder.
    assertExit(runCoffer(['at', store, 'trust', '--reset'], { env: { COFFER_STATE_DIR: path.join(workDir, 'state') } }), 0, 'trust --reset');
    const accepted = await backupJob(workDir, store, src);
    assert.equal(accepted.state, JobState.JOB_STATE_SUCCEEDED, accepted.result.error);
  });
});
