/**
 * Opening the catalog database (better-sqlite3, WAL, synchronous=NORMAL: a committed
 * transaction survives a process crash) and bringing its schema up to date.
 */
import Database from 'better-sqlite3';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { MIGRATIONS } from './migrations.js';

export type Db = Database.Database;

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/**
 * The prepared statement for `sql` on `db`, compiled once and reused: `db.prepare` parses
 * and plans the SQL on every call, which was the largest single cost per job in the fleet
 * benchmark. The tables only run statements to completion (run/get/all, never iterate),
 * so one statement per SQL text can serve every caller; dynamic SQL here comes from a
 * small, fixed set of shapes, so the cache stays small.
 */
export function prepared(db: Db, sql: string): Database.Statement {
  let byText = statements.get(db);
  if (!byText) statements.set(db, (byText = new Map<string, Database.Statement>()));
  let st = byText.get(sql);
  if (!st) byText.set(sql, (st = db.prepare(sql)));
  return st;
}

/** Opens (creating if needed) the catalog at `file` and applies pending migrations. */
export function openDb(file: string): Db {
  let db: Db;
  try {
    db = new Database(file);
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `cannot open the catalog ${file}: ${(err as Error).message}`, { cause: err });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    db.close();
    throw new CofferError(ErrorCode.Config, `the catalog ${file} has schema version ${current}, newer than this controller knows (${MIGRATIONS.length}); upgrade coffer`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  return db;
}
