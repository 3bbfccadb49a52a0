/**
 * One source folder backed up again and again by the real `coffer` into a test store in
 * a temporary folder: the test writes or changes files between backups, then opens the
 * store as a session (ops/store-session.ts) the way the operations get it. The store has
 * its own state folder (`env`, for check results). Folders go away with cleanupTmpDirs().
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { toRpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { openStoreSession, type StoreSession } from '@coffer/agent/ops/store-session.js';
import { backupJson, createStore, TEST_PASSPHRASE, tmpDir } from './cli.js';
import { filesOf, flipByte } from './damage.js';

/** A call context that never aborts. */
export const CTX: CallContext = { signal: new AbortController().signal };

/** A store and the source folder its backups read. */
export interface TempStore {
  readonly root: string;
  /** The store's location. */
  readonly store: string;
  readonly src: string;
  /** The store's own state folder (COFFER_STATE_DIR). */
  readonly env: NodeJS.ProcessEnv;
  /** Writes files (path → content) into the source, making folders on the way. */
  write(files: Readonly<Record<string, string | Buffer>>): void;
  /** Backs the source up; returns the snapshot id. */
  backup(...args: string[]): string;
  /** Opens the store in this process as a session. */
  open(): Promise<StoreSession>;
}

/** A new encrypted store (the test passphrase) and an empty source folder. */
export function tempStore(): TempStore {
  const root = tmpDir('coffer-ops-');
  const store = path.join(root, 'store');
  const src = path.join(root, 'src');
  fs.mkdirSync(src);
  createStore(store);
  return {
    root,
    store,
    src,
    env: { COFFER_STATE_DIR: path.join(root, 'state') },
    write(files) {
      for (const [p, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
        fs.writeFileSync(path.join(src, p), c);
      }
    },
    backup: (...args) => backupJson(store, src, args).id,
    open: () => openStoreSession({ location: store, passphrase: TEST_PASSPHRASE }),
  };
}

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Asserts `p` rejects with what every transport sends as `code` (toRpcError), its message matching `re`. */
export async function rejectsRpc(p: Promise<unknown>, code: number, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    const e = toRpcError(err);
    assert.equal(e.code, code, `code ${code} expected, got ${e.code}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

/** Flips a byte in the middle of blob `id` (a chunk or a tree) in its pack file; returns the pack's name. */
export function damageBlob(store: StoreSession, storeDir: string, id: string): string {
  const loc = store.repo.index.get(id);
  assert.ok(loc, `blob ${id.slice(0, 12)} is indexed`);
  const pack = filesOf(storeDir, 'data').find((f) => path.basename(f) === loc.pack);
  assert.ok(pack, `pack ${loc.pack.slice(0, 12)} is in the store`);
  flipByte(pack, loc.offset + Math.floor(loc.length / 2));
  return loc.pack;
}
