/**
 * Console users: a name, a role and an argon2id password hash (api/passwords.ts makes
 * and checks it; the password itself is never stored). `User` views never carry the hash.
 */
import type { Role, User } from '@coffer/shared/gen/coffer/v1/controller.js';
import { prepared, type Db } from './db.js';

interface UserRow {
  name: string;
  role: number;
  password_hash: string;
  created_ms: number;
  last_login_ms: number;
}

/** A user with its hash (for the login check only). */
export interface UserRecord extends User {
  readonly passwordHash: string;
}

function toRecord(r: UserRow): UserRecord {
  return { name: r.name, role: r.role, createdMs: r.created_ms, lastLoginMs: r.last_login_ms, passwordHash: r.password_hash };
}

/** The API view: without the hash. */
export function userView(u: UserRecord): User {
  return { name: u.name, role: u.role, createdMs: u.createdMs, lastLoginMs: u.lastLoginMs };
}

/** The user table. */
export class UserTable {
  constructor(private readonly db: Db) {}

  /** False when the name is taken. */
  add(u: { name: string; role: Role; passwordHash: string; nowMs: number }): boolean {
    return prepared(this.db, 'INSERT OR IGNORE INTO users (name, role, password_hash, created_ms) VALUES (?, ?, ?, ?)').run(u.name, u.role, u.passwordHash, u.nowMs).changes === 1;
  }

  get(name: string): UserRecord | undefined {
    const r = prepared(this.db, 'SELECT * FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return r ? toRecord(r) : undefined;
  }

  list(): UserRecord[] {
    return (prepared(this.db, 'SELECT * FROM users ORDER BY name').all() as UserRow[]).map(toRecord);
  }

  /** Replaces the hash and/or the role of an existing user; false when there is none. */
  update(name: string, patch: { passwordHash?: string; role?: Role }): boolean {
    const r = prepared(this.db, 'UPDATE users SET password_hash = COALESCE(?, password_hash), role = COALESCE(?, role) WHERE name = ?').run(patch.passwordHash ?? null, patch.role ?? null, name);
    return r.changes === 1;
  }

  /** Records a successful login. */
  loggedIn(name: string, nowMs: number): void {
    prepared(this.db, 'UPDATE users SET last_login_ms = ? WHERE name = ?').run(nowMs, name);
  }

  remove(name: string): boolean {
    return prepared(this.db, 'DELETE FROM users WHERE name = ?').run(name).changes === 1;
  }
}
