/**
 * One source folder backed up again and again into a test store (unit/ops-fixture.ts):
 * the test writes or changes files between backups, then opens the store as a session
 * the way the operations get it. Folders go away with cleanupTmpDirs().
 */
import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import type { StoreSession } from '@coffer/agent/ops/store-session.js';
import { backupDir, newStore, openSession, type TestStore } from '../unit/ops-fixture.js';
import { filesOf, flipByte } from './damage.js';

/** A store and the source folder its backups read. */
export interface TempStore extends TestStore {
  readonly src: string;
  /** Writes files (path → content) into the source, making folders on the way. */
  write(files: Readonly<Record<string, string | Buffer>>): void;
  /** Backs the source up; returns the snapshot id. */
  backup(...args: string[]): string;
  /** Opens the store in this process as a session. */
  open(): Promise<StoreSession>;
}

/** A new store and an empty source folder. */
export function tempStore(): TempStore {
  const t = newStore();
  const src = path.join(t.root, 'src');
  fs.mkdirSync(src);
  return {
    ...t,
    src,
    write(files) {
      for (const [p, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
        fs.writeFileSync(path.join(src, p), c);
      }
    },
    backup: (...args) => backupDir(t, src, args),
    open: () => openSession(t),
  };
}

/** Flips a byte in the middle of blob `id` (a chunk or a tree) in its pack file; returns the pack's name. */
export async function damageBlob(store: StoreSession, storeDir: string, id: string): Promise<string> {
  await store.ready();
  const loc = store.repo.index.get(id);
  assert.ok(loc, `blob ${id.slice(0, 12)} is indexed`);
  const pack = filesOf(storeDir, 'data').find((f) => path.basename(f) === loc.pack);
  assert.ok(pack, `pack ${loc.pack.slice(0, 12)} is in the store`);
  flipByte(pack, loc.offset + Math.floor(loc.length / 2));
  return loc.pack;
}
