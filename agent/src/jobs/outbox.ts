/**
 * The outbox: finished jobs (JobDone) kept on disk under `<workDir>/outbox/<jobId>.json`
 * until the controller acknowledges them, so that a result survives an agent restart,
 * a controller restart or a dropped stream. `put` is atomic and durable (temp file,
 * fsync, rename, fsync of the folder); putting a job again replaces its entry; `ack`
 * of an unknown job does nothing. Any number of Outbox objects may share a folder.
 */
import path from 'node:path';
import { JobDone } from '@coffer/shared/gen/coffer/v1/agent.js';
import { fileNameFor, readJsonFile, readJsonFiles, removeDurably, writeJsonAtomic } from './atomic-json.js';

/** Results waiting for the controller's acknowledgement. */
export class Outbox {
  /** The folder holding one file per finished job. */
  readonly dir: string;

  constructor(workDir: string) {
    this.dir = path.join(workDir, 'outbox');
  }

  /** Stores a finished job durably; resolves once it is on disk. */
  async put(done: JobDone): Promise<void> {
    await writeJsonAtomic(path.join(this.dir, fileNameFor(done.jobId)), JobDone.toJSON(done));
  }

  /** Every result not yet acknowledged, oldest first. Damaged files are reported to `onBad` and skipped. */
  async list(onBad?: (file: string, err: Error) => void): Promise<JobDone[]> {
    return (await readJsonFiles(this.dir, onBad)).map((f) => JobDone.fromJSON(f.value));
  }

  /** The stored result of one job, or undefined. */
  async get(jobId: string): Promise<JobDone | undefined> {
    const v = await readJsonFile(path.join(this.dir, fileNameFor(jobId)));
    return v === undefined ? undefined : JobDone.fromJSON(v);
  }

  /** Forgets a result the controller has acknowledged (AckDone). */
  async ack(jobId: string): Promise<void> {
    await removeDurably(path.join(this.dir, fileNameFor(jobId)));
  }
}
