/**
 * What every verb gets: the parsed global options, the store location, and helpers
 * to open the store (with its passphrase) and print.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import type { Repository } from '../engine/repository.js';
import { openStore, type OpenStoreRequest } from '../ops/open-store.js';
import type { StorageBackend } from '../storage/backend.js';
import { openBackend } from '../storage/registry.js';
import { AbortableBackend } from '../storage/wrappers/abortable.js';
import { passphraseGiven, resolvePassphrase } from './passphrase.js';
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

/** How a CLI run opens the store `t` (ops/open-store.ts), with a shared lock for `lockFor` when given. */
export function openRequest(ctx: Context, t: StoreTarget, passphraseFile = ctx.passphraseFile, lockFor?: string): OpenStoreRequest {
  return {
    location: t.location,
    options: t.options,
    display: t.display,
    passphrase: () => resolvePassphrase({ file: passphraseFile, store: t.options, env: ctx.env, what: t.display }),
    passphraseGiven: passphraseGiven({ file: passphraseFile, store: t.options, env: ctx.env }),
    env: ctx.env,
    warn: ctx.warn,
    trustReset: ctx.trustReset,
    signal: ctx.signal,
    lockFor,
  };
}

/**
 * Opens a store for reading (asks for the passphrase only if it is encrypted), checking
 * its identity (ops/store-trust.ts). No lock.
 */
export function openRepo(ctx: Context, t: StoreTarget = storeTarget(ctx), passphraseFile = ctx.passphraseFile): Promise<Repository> {
  return openStore(openRequest(ctx, t, passphraseFile));
}
