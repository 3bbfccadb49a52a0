/**
 * SIGINT and SIGTERM for one run of the CLI. The first signal aborts the run's
 * AbortSignal and cuts every SSH connection (ssh/interrupt.ts), so that the verb
 * unwinds within moments whatever the network does; the store's backend refuses every
 * write after it (storage/wrappers/abortable.ts). The run then ends with exit 130 and one
 * line. If the process is still alive `deadlineMs` after the signal (a cleanup stuck on a
 * silent server, a lingering handle), it prints that line (once) and exits 130 anyway.
 * A second signal exits 130 at once. Verbs that stop gracefully on the signal (`agent
 * start`) get only the AbortSignal: no cut, no deadline, their own exit status.
 */
import { setMaxListeners } from 'node:events';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { interruptSessions } from '../ssh/interrupt.js';

/** How long an interrupted run may take to unwind (COFFER_STOP_TIMEOUT_MS). */
export function stopDeadlineMs(env: NodeJS.ProcessEnv): number {
  const n = Number(env.COFFER_STOP_TIMEOUT_MS);
  return Number.isInteger(n) && n > 0 ? n : 3000;
}

/** The signal handling of one run. */
export class Interrupts {
  private readonly ac = new AbortController();
  private caught: NodeJS.Signals | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Set once the verb is known: it stops on the signal by itself. */
  graceful = false;
  private readonly handler = (sig: NodeJS.Signals): void => this.onSignal(sig);

  constructor(
    private readonly deadlineMs: number,
    /** Prints the interrupted error (once); called by the hard stop. */
    private readonly report: (e: CofferError) => void,
  ) {
    // Every storage operation in flight listens to it (storage/wrappers/abortable.ts).
    setMaxListeners(0, this.ac.signal);
  }

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  /** The error a run ends with once interrupted. */
  error(): CofferError {
    return new CofferError(ErrorCode.Interrupted, `interrupted by ${this.caught ?? 'a signal'}; stopped (nothing was saved after the signal; the store stays valid)`);
  }

  install(): void {
    process.on('SIGINT', this.handler);
    process.on('SIGTERM', this.handler);
  }

  /** After the run: the handlers go; a pending hard stop stays armed but no longer keeps the process alive. */
  uninstall(): void {
    process.off('SIGINT', this.handler);
    process.off('SIGTERM', this.handler);
    this.timer?.unref();
  }

  private onSignal(sig: NodeJS.Signals): void {
    if (this.caught) {
      this.report(this.error());
      process.exit(130);
    }
    this.caught = sig;
    this.ac.abort(this.error());
    if (this.graceful) {
      process.stderr.write(`stopping (${sig})\n`);
      return;
    }
    interruptSessions();
    // Referenced while the run is pending: the process cannot end without a status (exit 13).
    this.timer = setTimeout(() => {
      this.report(this.error());
      process.exit(130);
    }, this.deadlineMs);
  }
}
