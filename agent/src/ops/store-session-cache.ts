/**
 * Store sessions kept open for a while, so the second call on a store pays neither
 * argon2id nor the index load. Guarantees:
 *  - Sessions are keyed by location, backend options and, when the passphrase is given
 *    as a string, its SHA-256; the key itself is a SHA-256 of those, held only in memory
 *    and never logged.
 *  - Concurrent `get`s of one key share one open; a failed open is not kept.
 *  - A session closes after `ttlMs` without calls (default 10 min, env
 *    COFFER_UI_STORE_TTL_MS) and leaves the cache; `closeAll()` closes every session.
 *  - `opens` and `indexLoads` count stores opened and full index loads over all sessions.
 */
import { createHash } from 'node:crypto';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { openStoreSession, type SessionCounters, type StoreSession, type StoreSessionOptions } from './store-session.js';

const DEFAULT_TTL_MS = 10 * 60_000;

/** The idle time-to-live from the environment (COFFER_UI_STORE_TTL_MS), or the default. */
export function storeTtlMs(env: NodeJS.ProcessEnv): number {
  const v = env.COFFER_UI_STORE_TTL_MS;
  if (v === undefined || v === '') return DEFAULT_TTL_MS;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new CofferError(ErrorCode.Config, `COFFER_UI_STORE_TTL_MS='${v}' is not a positive whole number of milliseconds; set it to one or unset it`);
  return n;
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** The cache key of a session's options. */
function keyOf(o: StoreSessionOptions): string {
  const options = Object.entries(o.options ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const pass = typeof o.passphrase === 'string' ? sha256(o.passphrase) : typeof o.passphrase;
  return sha256(JSON.stringify([o.location, options, pass, o.lock ? 'lock' : 'nolock']));
}

/** Open store sessions by location and options. */
export class StoreSessionCache {
  private readonly sessions = new Map<string, Promise<StoreSession>>();
  private readonly counters: SessionCounters = { opens: 0, indexLoads: 0 };
  readonly ttlMs: number;

  constructor(opts: { readonly ttlMs?: number; readonly env?: NodeJS.ProcessEnv } = {}) {
    this.ttlMs = opts.ttlMs ?? storeTtlMs(opts.env ?? process.env);
  }

  /** Stores opened so far. */
  get opens(): number {
    return this.counters.opens;
  }

  /** Full index loads so far. */
  get indexLoads(): number {
    return this.counters.indexLoads;
  }

  /** Sessions open or opening. */
  get size(): number {
    return this.sessions.size;
  }

  /** The session for `opts`: the cached one, or a new one. */
  async get(opts: StoreSessionOptions): Promise<StoreSession> {
    const key = keyOf(opts);
    const cached = this.sessions.get(key);
    if (cached) {
      const s = await cached;
      if (!s.isClosed) return s;
      if (this.sessions.get(key) === cached) this.sessions.delete(key);
    }
    const opening = openStoreSession({
      ...opts,
      idleCloseMs: this.ttlMs,
      counters: this.counters,
      onClose: () => {
        if (this.sessions.get(key) === opening) this.sessions.delete(key);
        opts.onClose?.();
      },
    });
    this.sessions.set(key, opening);
    opening.catch(() => {
      if (this.sessions.get(key) === opening) this.sessions.delete(key);
    });
    return opening;
  }

  /** Closes every session. */
  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((p) => p.then((s) => s.close()).catch(() => undefined)));
  }
}
