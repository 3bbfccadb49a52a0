/**
 * Stores for the ops-* unit tests: made in a temp folder by the real `coffer` command
 * (create, backup), then opened in this process through the operations layer
 * (agent/src/ops), with the same test passphrase and a private state folder.
 */
import path from 'node:path';
import { openStoreSession } from '@coffer/agent/ops/open-store.js';
import type { StoreSession } from '@coffer/agent/ops/store-session.js';
import { status } from '@grpc/grpc-js';
import assert from 'node:assert/strict';
import { RpcError } from '@coffer/shared/rpc/errors.js';
import type { CallContext } from '@coffer/shared/rpc/service.js';
import { backupJson, createStore, TEST_PASSPHRASE, tmpDir } from '../helpers/cli.js';
import { writeTree, type TreeSpec } from '../helpers/tree.js';

/** A store in a temp folder with its own state folder. */
export interface TestStore {
  readonly root: string;
  readonly store: string;
  readonly env: NodeJS.ProcessEnv;
}

/** Creates an encrypted store (the test passphrase). */
export function newStore(args: readonly string[] = []): TestStore {
  const root = tmpDir('coffer-ops-');
  const store = path.join(root, 'store');
  createStore(store, args);
  return { root, store, env: { COFFER_STATE_DIR: path.join(root, 'state') } };
}

/** Writes `spec` into a folder `name` under the store's root and backs it up; returns the snapshot id. */
export function backupTree(t: TestStore, name: string, spec: TreeSpec, args: readonly string[] = []): { id: string; src: string } {
  const src = path.join(t.root, name);
  writeTree(src, spec);
  return { id: backupJson(t.store, src, args).id, src };
}

/** Backs up an existing folder. */
export function backupDir(t: TestStore, src: string, args: readonly string[] = []): string {
  return backupJson(t.store, src, args).id;
}

/** Opens the store in this process as a session (shared lock 'test'). */
export function openSession(t: TestStore, opts: { refreshMs?: number; lock?: boolean } = {}): Promise<StoreSession> {
  return openStoreSession(
    {
      location: t.store,
      options: {},
      passphrase: () => Promise.resolve(TEST_PASSPHRASE),
      passphraseGiven: 'the test',
      env: t.env,
      warn: () => undefined,
      lockFor: opts.lock === false ? undefined : 'test',
    },
    { refreshMs: opts.refreshMs ?? 0 },
  );
}

/** A call context that never aborts. */
export const CTX: CallContext = { signal: new AbortController().signal };

/** Collects an async iterable. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Asserts `p` rejects with an RpcError of `code` whose message matches `re`. */
export async function rejectsRpc(p: Promise<unknown>, code: status, re: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RpcError, `an RpcError, got ${String(err)}`);
    assert.equal(err.code, code, `code ${status[code]}, got ${status[err.code]}: ${err.message}`);
    assert.match(err.message, re);
    return true;
  });
}
