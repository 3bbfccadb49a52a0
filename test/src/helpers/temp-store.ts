/**
 * Real stores for tests of the operations layer (agent/src/ops): a plaintext store in a
 * temporary folder, filled by the real `coffer backup` of a source folder the test
 * changes between backups, and opened in this process as an OpenStore the way the
 * operations get it (index loaded, snapshots listed). Folders go away with
 * cleanupTmpDirs().
 */
import fs from 'node:fs';
import path from 'node:path';
import { toRpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import type { OpenStore } from '@coffer/agent/ops/open-store.js';
import { openBackend } from '@coffer/agent/storage/registry.js';
import { assertExit, jsonSummary, runCoffer, tmpDir } from './cli.js';

/** An OpenStore with a way to close it. */
export interface OpenedStore extends OpenStore {
  close(): Promise<void>;
}

/** A store and the source folder its backups read. */
export interface TempStore {
  readonly location: string;
  readonly src: string;
  /** Writes files (path → content) into the source, making folders on the way. */
  write(files: Readonly<Record<string, string | Buffer>>): void;
  /** Backs the source up; returns the snapshot id. */
  backup(...extra: string[]): string;
  /** Opens the store in this process. */
  open(): Promise<OpenedStore>;
}

/** A call context that never aborts. */
export function callContext(signal: AbortSignal = new AbortController().signal): CallContext {
  return { signal };
}

/** An OpenStore over a repository whose index is loaded. */
export function openStoreOf(repo: Repository): OpenedStore {
  return {
    repo,
    display: repo.backend.location,
    snapshots: () => repo.listSnapshots(),
    async snapshot(ref) {
      try {
        return await repo.resolveSnapshot(ref);
      } catch (err) {
        throw toRpcError(err);
      }
    },
    close: () => repo.backend.close(),
  };
}

/** Opens the store at `location` (plaintext) with its index loaded. */
export async function openStoreAt(location: string): Promise<OpenedStore> {
  const repo = await Repository.open(await openBackend(location), () => Promise.reject(new Error('test stores are plaintext')));
  await repo.loadIndex();
  return openStoreOf(repo);
}

/** A new plaintext store and an empty source folder. */
export function tempStore(): TempStore {
  const env = { COFFER_PASSPHRASE: undefined };
  const dir = tmpDir('coffer-ops-');
  const location = path.join(dir, 'store');
  const src = path.join(dir, 'src');
  fs.mkdirSync(src);
  assertExit(runCoffer(['at', location, 'create', '--plaintext'], { env }), 0, 'create');
  return {
    location,
    src,
    write(files) {
      for (const [p, c] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
        fs.writeFileSync(path.join(src, p), c);
      }
    },
    backup(...extra) {
      const r = runCoffer(['at', location, 'backup', '--json', ...extra, src], { env });
      assertExit(r, 0, 'backup');
      return jsonSummary(r).snapshot_id as string;
    },
    open: () => openStoreAt(location),
  };
}
