/**
 * Console sessions, in memory (a controller restart logs everyone out). A session id is
 * 32 random bytes (base64url) given to the browser in the `coffer_session` cookie and
 * kept here only as its SHA-256, so a memory dump or a log line of the table reveals no
 * usable cookie. Each session has a CSRF token, an HMAC-SHA256 of the id under a
 * per-process key: stable for the session's life and not derivable from the cookie
 * without the key. A session ends after `idleMs` without a request, at logout, or when
 * its user is removed or gets a new password. At most `maxSessions` live at once (the
 * least recently used goes first). Time comes from the injected Clock.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '@coffer/shared/clock.js';

/** A live session as the web side sees it. */
export interface ConsoleSession {
  readonly user: string;
  readonly csrfToken: string;
  readonly createdMs: number;
}

interface Entry extends ConsoleSession {
  lastUsedMs: number;
}

/** Defaults: 30 minutes idle, 10,000 sessions. */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
const DEFAULT_MAX_SESSIONS = 10_000;

const digest = (id: string): string => createHash('sha256').update(id).digest('hex');

export class SessionStore {
  private readonly byDigest = new Map<string, Entry>();
  private readonly csrfKey = randomBytes(32);
  private lastPruneMs = 0;

  constructor(
    private readonly clock: Clock,
    readonly idleMs: number = DEFAULT_SESSION_IDLE_MS,
    private readonly maxSessions = DEFAULT_MAX_SESSIONS,
  ) {}

  /** Starts a session for `user`; returns the cookie value (give it to the browser only) and the session. */
  create(user: string): { id: string; session: ConsoleSession } {
    const now = this.clock.now();
    this.prune(now);
    const id = randomBytes(32).toString('base64url');
    const entry: Entry = { user, csrfToken: createHmac('sha256', this.csrfKey).update(id).digest('base64url'), createdMs: now, lastUsedMs: now };
    this.byDigest.set(digest(id), entry);
    while (this.byDigest.size > this.maxSessions) {
      const oldest = this.byDigest.keys().next().value;
      if (oldest === undefined) break;
      this.byDigest.delete(oldest);
    }
    return { id, session: entry };
  }

  /** The session of cookie value `id`, counting this as use; undefined when unknown or idle too long (it then ends). */
  get(id: string): ConsoleSession | undefined {
    const key = digest(id);
    const e = this.byDigest.get(key);
    if (!e) return undefined;
    const now = this.clock.now();
    if (now - e.lastUsedMs > this.idleMs) {
      this.byDigest.delete(key);
      return undefined;
    }
    e.lastUsedMs = now;
    // Re-inserted so the map stays in order of last use (the oldest is dropped first).
    this.byDigest.delete(key);
    this.byDigest.set(key, e);
    return e;
  }

  /** Ends the session of cookie value `id`; true when there was one. */
  end(id: string): boolean {
    return this.byDigest.delete(digest(id));
  }

  /** Ends every session of `user`; returns how many. */
  endUser(user: string): number {
    let n = 0;
    for (const [k, e] of this.byDigest) {
      if (e.user !== user) continue;
      this.byDigest.delete(k);
      n++;
    }
    return n;
  }

  get size(): number {
    return this.byDigest.size;
  }

  /** Drops idle sessions, at most once a minute. */
  private prune(now: number): void {
    if (now - this.lastPruneMs < 60_000) return;
    this.lastPruneMs = now;
    for (const [k, e] of this.byDigest) if (now - e.lastUsedMs > this.idleMs) this.byDigest.delete(k);
  }
}
