/**
 * The last check of each store and of snapshots checked on their own, from console
 * checks (StoreService.Check) and verify jobs: time, outcome, mode ("fast", "full",
 * "10%", "1/5"), issue count, damaged snapshot ids. A snapshot's last check is the newer
 * of its own and the store's last check made after it was taken; a store check marks a
 * snapshot bad only when it names it damaged.
 */
import type { CheckSummary } from '@coffer/shared/gen/coffer/v1/store.js';
import { prepared, type Db } from './db.js';
import { parseJson } from './json.js';

interface CheckRow {
  store: string;
  scope: string;
  time_ms: number;
  ok: number;
  mode: string;
  issues: number;
  damaged_snapshots: string;
  job_id: string;
}

function summaryOf(r: CheckRow): CheckSummary {
  return { timeMs: r.time_ms, ok: r.ok === 1, mode: r.mode, issues: r.issues, damagedSnapshots: parseJson<string[]>(r.damaged_snapshots, []) };
}

/** The check table. */
export class CheckTable {
  constructor(private readonly db: Db) {}

  /** Records a check of the whole store (`scope` '') or of one snapshot (its id). */
  record(store: string, scope: string, c: CheckSummary, jobId = ''): void {
    prepared(this.db, 'INSERT OR REPLACE INTO checks (store, scope, time_ms, ok, mode, issues, damaged_snapshots, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(store, scope, c.timeMs, c.ok ? 1 : 0, c.mode, c.issues, JSON.stringify(c.damagedSnapshots), jobId);
  }

  /** The store's last whole-store check. */
  ofStore(store: string): CheckSummary | undefined {
    const r = prepared(this.db, "SELECT * FROM checks WHERE store = ? AND scope = ''").get(store) as CheckRow | undefined;
    return r ? summaryOf(r) : undefined;
  }

  /** Last whole-store check of every store. */
  allStores(): Map<string, CheckSummary> {
    const rows = prepared(this.db, "SELECT * FROM checks WHERE scope = ''").all() as CheckRow[];
    return new Map(rows.map((r) => [r.store, summaryOf(r)]));
  }

  /** The last check covering snapshot `id` (taken at `timeMs`) of `store`, as it concerns that snapshot. */
  ofSnapshot(store: string, id: string, timeMs: number): CheckSummary | undefined {
    const own = prepared(this.db, 'SELECT * FROM checks WHERE store = ? AND scope = ?').get(store, id) as CheckRow | undefined;
    const whole = this.ofStore(store);
    const fromStore = whole && whole.timeMs >= timeMs ? whole : undefined;
    const best = own && (!fromStore || own.time_ms >= fromStore.timeMs) ? summaryOf(own) : fromStore;
    if (!best) return undefined;
    const damaged = best.damagedSnapshots.includes(id);
    return { ...best, ok: best === fromStore ? !damaged : best.ok, damagedSnapshots: damaged ? [id] : [], issues: best === fromStore && !damaged ? 0 : best.issues };
  }

  /** Forgets a removed store's checks. */
  removeStore(store: string): void {
    prepared(this.db, 'DELETE FROM checks WHERE store = ?').run(store);
  }
}
