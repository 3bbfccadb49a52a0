/**
 * What every verb gets: the parsed global options, the store location, and helpers
 * to open the store (with its passphrase) and print.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { Repository } from '../engine/repository.js';
import type { StorageBackend } from '../storage/backend.js';
import { openBackend } from '../storage/registry.js';
import { AbortableBackend } from '../storage/wrappers/abortable.js';
import { passphraseGiven, resolvePassphrase } from './passphrase.js';
import { storeTrust } from './store-trust.js';
import { lookup } from './user-config.js';

/** Global options and environment of one invocation. */
export interface Context {
  /** The store as given (`at …`, or COFFER_STORE). */
  readonly storeRef: string | undefined;
  readonly passphraseFile: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  readonly quiet: boolean;
  /** `--no-lock`: readers take no lock (for stores this user cannot write to). */
  readonly noLock: boolean;
  /** Aborted on SIGINT/SIGTERM. */
  readonly signal: AbortSignal;
  readonly out: (line: string) => void;
  readonly warn: (line: string) => void;
  /** Accept the store's identity as it is now (`trust --reset`, store-trust.ts). */
  readonly trustReset?: boolean;
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

/**
 * Opens the storage of a target. With `signal` (the run's SIGINT/SIGTERM), operations in
 * flight reject when it fires and nothing is written after it (AbortableBackend).
 */
export async function backendFor(t: StoreTarget, signal?: AbortSignal): Promise<StorageBackend> {
  const b = await openBackend(t.location, t.options);
  return signal ? new AbortableBackend(b, signal) : b;
}

/**
 * Opens a store for reading (asks for the passphrase only if it is encrypted), checking
 * its identity (store-trust.ts).
 */
export async function openRepo(ctx: Context, t: StoreTarget = storeTarget(ctx), passphraseFile = ctx.passphraseFile): Promise<Repository> {
  const backend = await backendFor(t, ctx.signal);
  try {
    const given = passphraseGiven({ file: passphraseFile, store: t.options, env: ctx.env });
    const trust = storeTrust({ location: backend.location, display: t.display, passphraseGiven: given, env: ctx.env, warn: ctx.warn, reset: ctx.trustReset });
    const repo = await Repository.open(backend, () => resolvePassphrase({ file: passphraseFile, store: t.options, env: ctx.env, what: t.display }), trust);
    repo.warn = ctx.warn;
    return repo;
  } catch (err) {
    await backend.close();
    throw err;
  }
}
