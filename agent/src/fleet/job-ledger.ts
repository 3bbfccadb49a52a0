/**
 * The jobs (id and attempt) this agent has started, kept in DATA/ledger.json (written
 * atomically, the newest MAX_ENTRIES only), so that a job a durable queue delivers again
 * (after an agent, controller or NATS restart, or a late ack) is never run twice: a
 * delivery of an attempt already started, or older than one started, is settled without
 * running it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';

const MAX_ENTRIES = 2000;

export class JobLedger {
  private readonly file: string;
  private readonly started = new Map<string, number>();

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'ledger.json');
    try {
      const raw = JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, number>;
      for (const [k, v] of Object.entries(raw)) if (typeof v === 'number') this.started.set(k, v);
    } catch {
      // none yet (or unreadable: starts empty; the controller's attempt numbers still guard)
    }
  }

  /** The highest attempt of `jobId` started here, 0 when none. */
  attemptOf(jobId: string): number {
    return this.started.get(jobId) ?? 0;
  }

  /** Records that `attempt` of `jobId` starts now. */
  start(jobId: string, attempt: number): void {
    this.started.delete(jobId);
    this.started.set(jobId, attempt);
    while (this.started.size > MAX_ENTRIES) {
      const oldest = this.started.keys().next().value;
      if (oldest === undefined) break;
      this.started.delete(oldest);
    }
    writeFileAtomicSync(this.file, JSON.stringify(Object.fromEntries(this.started)) + '\n', 0o600);
  }
}
