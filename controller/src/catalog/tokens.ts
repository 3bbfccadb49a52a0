/**
 * One-time enrollment tokens. Only a SHA-256 of each token is stored; a token is used
 * at most once (the use is recorded in the same statement that checks it) and only
 * before it expires.
 */
import { createHash } from 'node:crypto';
import { prepared, type Db } from './db.js';

function hashOf(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The token table. */
export class TokenTable {
  constructor(private readonly db: Db) {}

  add(token: string, createdMs: number, expiresMs: number): void {
    prepared(this.db, 'INSERT INTO tokens (hash, created_ms, expires_ms) VALUES (?, ?, ?)').run(hashOf(token), createdMs, expiresMs);
  }

  /** Marks the token used by `agentName`; false when it is unknown, used or expired. */
  consume(token: string, nowMs: number, agentName: string): boolean {
    const r = prepared(this.db, 'UPDATE tokens SET used_ms = ?, used_by = ? WHERE hash = ? AND used_ms IS NULL AND expires_ms > ?').run(nowMs, agentName, hashOf(token), nowMs);
    return r.changes === 1;
  }

  /** Deletes tokens that expired before `beforeMs` (used or not). */
  pruneExpired(beforeMs: number): number {
    return this.db.prepare('DELETE FROM tokens WHERE expires_ms < ?').run(beforeMs).changes;
  }
}
