/**
 * Slowing down password guessing at the console's login: failures are counted per user
 * name and per client address. From the third failure in a row on a key, that key is
 * locked for 1 s, then 2 s, 4 s … at most 30 s; a login attempt on a locked key is
 * answered at once (429 with Retry-After) without checking the password. A success
 * clears the user's count (the address's decays); a key forgets its failures 15 minutes
 * after the last one. Unknown and known names are counted alike, so the lock reveals
 * nothing about which names exist. At most 10,000 keys are remembered (the oldest goes).
 * Time comes from the injected Clock.
 */
import type { Clock } from '@coffer/shared/clock.js';

/** Failures allowed before the first lock. */
const FREE_FAILURES = 2;
const FIRST_LOCK_MS = 1000;
const MAX_LOCK_MS = 30_000;
const FORGET_MS = 15 * 60_000;
const MAX_KEYS = 10_000;

interface Entry {
  failures: number;
  lockedUntilMs: number;
  lastFailureMs: number;
}

export class LoginThrottle {
  private readonly keys = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  private entry(key: string, now: number): Entry | undefined {
    const e = this.keys.get(key);
    if (e && now - e.lastFailureMs > FORGET_MS) {
      this.keys.delete(key);
      return undefined;
    }
    return e;
  }

  /** How long the caller must wait before trying (0: may try now). */
  retryAfterMs(user: string, address: string): number {
    const now = this.clock.now();
    let wait = 0;
    for (const k of [`u:${user}`, `a:${address}`]) wait = Math.max(wait, (this.entry(k, now)?.lockedUntilMs ?? 0) - now);
    return Math.max(0, wait);
  }

  /** Counts a failure of `user` from `address`. */
  failed(user: string, address: string): void {
    const now = this.clock.now();
    for (const k of [`u:${user}`, `a:${address}`]) {
      const e = this.entry(k, now) ?? { failures: 0, lockedUntilMs: 0, lastFailureMs: now };
      e.failures++;
      e.lastFailureMs = now;
      if (e.failures > FREE_FAILURES) e.lockedUntilMs = now + Math.min(FIRST_LOCK_MS * 2 ** (e.failures - FREE_FAILURES - 1), MAX_LOCK_MS);
      this.keys.delete(k);
      this.keys.set(k, e);
    }
    while (this.keys.size > MAX_KEYS) {
      const oldest = this.keys.keys().next().value;
      if (oldest === undefined) break;
      this.keys.delete(oldest);
    }
  }

  /** A good password for `user`: its failures are forgotten. */
  succeeded(user: string): void {
    this.keys.delete(`u:${user}`);
  }
}
