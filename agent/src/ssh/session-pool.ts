/**
 * Up to `size` SSH connections (each with its SFTP channel) to one server, opened on
 * first use and handed out round-robin, so that many requests in flight spread over
 * several connections (`connections=N`). A connection that closes, or that a caller
 * drops after a transport failure, is replaced on the next request. `run` wraps an
 * operation that is safe to repeat: on a Retryable failure it drops the connection the
 * operation used, waits with backoff and runs it again on a fresh one. A server that
 * refuses the very first connection is retried only in a job's process (see
 * retriesFirstConnect): on the command line the error is reported at once, as ssh does.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { retry, type RetryOptions } from '@coffer/shared/retry.js';
import { connect, type SshSession, type SshTarget } from './connect.js';

/**
 * Whether a server that refuses the first connection is retried: yes in a job's process
 * (COFFER_RETRY_WARNINGS=1, set by the agent's job runner; the job runs unattended, the
 * server may be restarting, and each retry is a line of the job's history), no on the
 * command line, where the user sees the error at once instead of after 24 s of backoff.
 */
export function retriesFirstConnect(): boolean {
  return process.env.COFFER_RETRY_WARNINGS === '1';
}

/** The most connections one store, source or destination may open. */
export const MAX_CONNECTIONS = 16;

/** Parses the `connections` option (default 1). */
export function connectionsOption(value: string | undefined): number {
  if (value === undefined || value === '') return 1;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_CONNECTIONS) {
    throw new CofferError(ErrorCode.Config, `connections=${value} is not valid: use a whole number from 1 to ${MAX_CONNECTIONS}`);
  }
  return n;
}

/** A set of connections to one server. */
export class SessionPool {
  private readonly slots: (Promise<SshSession> | undefined)[];
  private next = 0;
  private connectedOnce = false;

  constructor(
    private readonly target: SshTarget,
    readonly size = 1,
    private readonly retryOptions: RetryOptions = {},
  ) {
    this.slots = new Array<Promise<SshSession> | undefined>(size).fill(undefined);
  }

  /** A connection: the next one round-robin, opened if it is not open. */
  async get(): Promise<SshSession> {
    const i = this.next;
    this.next = (this.next + 1) % this.size;
    let s = this.slots[i];
    if (!s) {
      const opened = connect(this.target);
      s = opened;
      this.slots[i] = opened;
      opened.then(
        (x) => {
          this.connectedOnce = true;
          x.client.once('close', () => {
            if (this.slots[i] === opened) this.slots[i] = undefined;
          });
        },
        () => {
          if (this.slots[i] === opened) this.slots[i] = undefined;
        },
      );
    }
    return s;
  }

  /**
   * A connection of its own for cleanup after an interrupt (interrupt.ts): not shared
   * with other operations; the caller ends it.
   */
  cleanupSession(): Promise<SshSession> {
    return connect(this.target, true);
  }

  /** Whether a connection was ever set up: until then a failure to connect is not a passing one on the command line. */
  get everConnected(): boolean {
    return this.connectedOnce;
  }

  /** Closes `session` (after a transport failure on it); its slot reconnects on next use. */
  drop(session: SshSession): void {
    for (let i = 0; i < this.size; i++) {
      const s = this.slots[i];
      if (!s) continue;
      void s.then(
        (x) => {
          if (x === session && this.slots[i] === s) this.slots[i] = undefined;
        },
        () => undefined,
      );
    }
    session.client.end();
  }

  /** Closes every connection; the next request reconnects. */
  reset(): void {
    for (let i = 0; i < this.size; i++) {
      const s = this.slots[i];
      this.slots[i] = undefined;
      void s?.then((x) => x.client.end(), () => undefined);
    }
  }

  /**
   * Runs `op` on a connection; a Retryable failure drops that connection and runs `op`
   * again on another (backoff as in shared/retry.ts). `op` must be safe to repeat.
   */
  run<T>(what: string, op: (session: SshSession, attempt: number) => Promise<T>): Promise<T> {
    return retry(
      what,
      async (attempt) => {
        const s = await this.get();
        try {
          return await op(s, attempt);
        } catch (err) {
          if (err instanceof CofferError && err.code === ErrorCode.Retryable) this.drop(s);
          throw err;
        }
      },
      { ...this.retryOptions, shouldRetry: (err, attempt) => (this.connectedOnce || retriesFirstConnect()) && this.retryOptions.shouldRetry?.(err, attempt) !== false },
    );
  }

  /**
   * Closes every connection (a later request would open new ones). A server that does
   * not close its side after our disconnect (rclone after a failed write) cannot keep the
   * process alive: the socket is destroyed CLOSE_GRACE_MS later.
   */
  async close(): Promise<void> {
    const all = this.slots.splice(0, this.size);
    this.slots.push(...new Array<Promise<SshSession> | undefined>(this.size).fill(undefined));
    await Promise.all(all.map((s) => (s ? s.then((x) => endSession(x), () => undefined) : Promise.resolve())));
  }
}

/** How long a closed connection may wait for the server to hang up before its socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

/** Ends `s`, destroying its socket if it is still open CLOSE_GRACE_MS later. */
export function endSession(s: SshSession): void {
  s.client.end();
  setTimeout(() => s.client.destroy(), CLOSE_GRACE_MS).unref();
}
