/**
 * The last check of each store, remembered on this machine so the viewer can show every
 * store's and snapshot's last result and its age: one JSON file per store id under the
 * state folder (COFFER_STATE_DIR, else $XDG_STATE_HOME/coffer, else
 * ~/.local/state/coffer; an agent passes its data folder's `state/`), in
 * `check-results/`. Guarantees: files are written atomically (a reader finds the old
 * result or the new, never a torn one), mode 0600 in folders of mode 0700, and hold no
 * secret (times, modes, counts, snapshot ids). A file that cannot be read or parsed
 * reads as no result. Each snapshot keeps the result of the last check that covered
 * it; a check of all snapshots replaces the per-snapshot results (removed snapshots
 * drop out), a check of some only updates theirs.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { CheckSummary } from '@coffer/shared/gen/coffer/v1/store.js';
import { stateDir } from './state-dir.js';

/** What is remembered of a store's checks. */
export interface CheckState {
  /** The last check of the store. */
  readonly summary: CheckSummary;
  /** Snapshot id → the last check that covered it. */
  readonly snapshots: Readonly<Record<string, CheckSummary>>;
}

/** A check to remember. */
export interface CheckRecord extends CheckState {
  /** Whether the check covered every snapshot of the store (then `snapshots` replaces what was remembered). */
  readonly allSnapshots: boolean;
}

/** The file remembering the checks of store `storeId`. */
export function checkStateFile(storeId: string, env: NodeJS.ProcessEnv): string {
  const name = /^[0-9a-f]{8,64}$/.test(storeId) ? storeId : createHash('sha256').update(storeId, 'utf8').digest('hex').slice(0, 32);
  return path.join(stateDir(env), 'check-results', `${name}.json`);
}

/** The checks remembered for `storeId`, or undefined when none (or the file is unreadable). */
export function readCheckState(storeId: string, env: NodeJS.ProcessEnv): CheckState | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(checkStateFile(storeId, env), 'utf8'));
  } catch {
    return undefined;
  }
  const o = raw as { storeId?: unknown; summary?: unknown; snapshots?: unknown } | null;
  if (o === null || typeof o !== 'object' || o.storeId !== storeId || typeof o.summary !== 'object' || o.summary === null) return undefined;
  const snapshots: Record<string, CheckSummary> = {};
  if (typeof o.snapshots === 'object' && o.snapshots !== null) {
    for (const [id, s] of Object.entries(o.snapshots as Record<string, unknown>)) {
      if (typeof s === 'object' && s !== null) snapshots[id] = CheckSummary.fromJSON(s);
    }
  }
  return { summary: CheckSummary.fromJSON(o.summary), snapshots };
}

/** Remembers a check of `storeId` (merged with what was remembered; see the module's doc). */
export function writeCheckState(storeId: string, rec: CheckRecord, env: NodeJS.ProcessEnv): CheckState {
  const before = rec.allSnapshots ? undefined : readCheckState(storeId, env);
  const snapshots = { ...(before?.snapshots ?? {}), ...rec.snapshots };
  const file = checkStateFile(storeId, env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const json = {
    storeId,
    summary: CheckSummary.toJSON(rec.summary),
    snapshots: Object.fromEntries(Object.entries(snapshots).map(([id, s]) => [id, CheckSummary.toJSON(s)])),
  };
  writeFileAtomicSync(file, `${JSON.stringify(json, null, 2)}\n`, 0o600);
  return { summary: rec.summary, snapshots };
}
