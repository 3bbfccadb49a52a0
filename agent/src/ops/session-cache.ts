/**
 * Store sessions kept open between calls (the viewer's and the console's clicks): one
 * StoreSession per (location, options, passphrase), so a second call on the same store
 * pays neither the key derivation nor the index load.
 *
 * Guarantees:
 *  - The key is a SHA-256 of location, options and passphrase: the passphrase is kept in
 *    memory only as part of that digest (and inside the opened keys), never written.
 *  - Concurrent first calls share one opening; a failed opening is not kept (the next
 *    call tries again, e.g. with the right passphrase).
 *  - A session is closed (its lock released) once no call has used it for `ttlMs`
 *    (default 10 min, COFFER_UI_STORE_TTL_MS); never while a lease is held. `close`
 *    closes every session (shutdown); leases taken afterwards are refused.
 *  - Idle timers do not keep the process alive.
 */
import { createHash } from 'node:crypto';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { StoreSession } from './store-session.js';

/** What identifies a cached session. */
export interface SessionKey {
  readonly location: string;
  readonly options: Readonly<Record<string, string>>;
  /** The passphrase given for the store, or undefined (plaintext store, or one found by the opener). */
  readonly passphrase: string | undefined;
}

/** Opens a session for a key (trust check, lock, passphrase: the caller's policy). */
export type SessionOpener = (key: SessionKey) => Promise<StoreSession>;

/** Options of {@link StoreSessionCache}. */
export interface StoreSessionCacheOptions {
  readonly open: SessionOpener;
  /** Idle time before a session is closed. @default storeTtlMs(process.env) */
  readonly ttlMs?: number;
}

/** A session in use; `release` once the call is done (idempotent). */
export interface SessionLease {
  readonly session: StoreSession;
  release(): void;
}

/** The idle time of cached sessions: COFFER_UI_STORE_TTL_MS, else 10 minutes. */
export function storeTtlMs(env: NodeJS.ProcessEnv): number {
  const n = Number(env.COFFER_UI_STORE_TTL_MS);
  return env.COFFER_UI_STORE_TTL_MS !== undefined && Number.isFinite(n) && n >= 0 ? n : 10 * 60_000;
}

interface Entry {
  readonly opening: Promise<StoreSession>;
  users: number;
  timer?: NodeJS.Timeout;
}

function keyOf(k: SessionKey): string {
  const options = Object.entries(k.options).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(JSON.stringify([k.location, options, k.passphrase ?? null])).digest('hex');
}

/** Sessions by key, closed after they have been idle for a while. */
export class StoreSessionCache {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private shut = false;

  constructor(private readonly opts: StoreSessionCacheOptions) {
    this.ttlMs = opts.ttlMs ?? storeTtlMs(process.env);
  }

  /** Sessions open or opening. */
  get size(): number {
    return this.entries.size;
  }

  /** The session for `key`, opened if needed, held until `release`. */
  async lease(key: SessionKey): Promise<SessionLease> {
    if (this.shut) throw new CofferError(ErrorCode.Interrupted, 'the store sessions are closed (shutting down)');
    const k = keyOf(key);
    let e = this.entries.get(k);
    if (!e) {
      const opening = this.opts.open(key);
      const entry: Entry = { opening, users: 0 };
      e = entry;
      this.entries.set(k, entry);
      opening.catch(() => {
        if (this.entries.get(k) === entry) this.entries.delete(k);
      });
    }
    const entry = e;
    clearTimeout(entry.timer);
    entry.users++;
    let session: StoreSession;
    try {
      session = await entry.opening;
    } catch (err) {
      entry.users--;
      throw err;
    }
    let released = false;
    return {
      session,
      release: () => {
        if (released) return;
        released = true;
        if (--entry.users === 0 && this.entries.get(k) === entry) this.idle(k, entry, session);
      },
    };
  }

  /** Runs `fn` with the session for `key`. */
  async use<T>(key: SessionKey, fn: (s: StoreSession) => Promise<T>): Promise<T> {
    const l = await this.lease(key);
    try {
      return await fn(l.session);
    } finally {
      l.release();
    }
  }

  private idle(k: string, entry: Entry, session: StoreSession): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      if (entry.users > 0 || this.entries.get(k) !== entry) return;
      this.entries.delete(k);
      void session.close().catch(() => undefined);
    }, this.ttlMs);
    entry.timer.unref();
  }

  /** Closes every session (shutdown); later leases are refused. */
  async close(): Promise<void> {
    this.shut = true;
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      all.map(async (e) => {
        clearTimeout(e.timer);
        const s = await e.opening.catch(() => undefined);
        await s?.close().catch(() => undefined);
      }),
    );
  }
}
