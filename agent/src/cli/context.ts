/**
 * What every verb gets: the parsed global options, the store location, and helpers
 * to open the store (with its passphrase) and print.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { Repository } from '../engine/repository.js';
import type { StorageBackend } from '../storage/backend.js';
import { openBackend } from '../storage/registry.js';
import { resolvePassphrase } from './passphrase.js';
import { lookup } from './user-config.js';

/** Global options and environment of one invocation. */
export interface Context {
  /** The store as given (`at …`, or COFFER_STORE). */
  readonly storeRef: string | undefined;
  readonly passphraseFile: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly quiet: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  readonly out: (line: string) => void;
  readonly warn: (line: string) => void;
}

/** A resolved store reference: location and options from the user's config. */
export interface StoreTarget {
  readonly location: string;
  readonly options: Readonly<Record<string, string>>;
  readonly display: string;
}

/** Resolves a store reference (`@name`, path, URL). */
export function resolveStore(ref: string, env: NodeJS.ProcessEnv): StoreTarget {
  if (ref.startsWith('@')) {
    const e = lookup('stores', ref, env);
    return { location: e.location as string, options: e, display: ref };
  }
  return { location: ref, options: {}, display: ref };
}

/** The store this invocation works on; throws a usage error when none was named. */
export function storeTarget(ctx: Context): StoreTarget {
  if (!ctx.storeRef) {
    throw new CofferError(ErrorCode.Usage, "no store given: use 'coffer at <store> <command>' or set COFFER_STORE");
  }
  return resolveStore(ctx.storeRef, ctx.env);
}

/** Opens the storage of a target. */
export async function backendFor(t: StoreTarget): Promise<StorageBackend> {
  return openBackend(t.location, t.options);
}

/** Opens a store for reading (asks for the passphrase only if it is encrypted). */
export async function openRepo(ctx: Context, t: StoreTarget = storeTarget(ctx), passphraseFile = ctx.passphraseFile): Promise<Repository> {
  const backend = await backendFor(t);
  try {
    const repo = await Repository.open(backend, () =>
      resolvePassphrase({ file: passphraseFile, store: t.options, env: ctx.env, what: t.display }),
    );
    repo.warn = ctx.warn;
    return repo;
  } catch (err) {
    await backend.close();
    throw err;
  }
}
