/**
 * How a reading verb (ls, locate, diff, cat, restore) opens its store: as a session of
 * the operations layer (ops/store-session.ts), the way the viewer and the agent do,
 * with the CLI's parts plugged in: the backend stopped by the run's SIGINT/SIGTERM, the
 * store's identity checked against this machine's memory (store-trust.ts), the
 * passphrase asked only when the store is encrypted, and the CLI's shared lock (none
 * with `--no-lock`). The verb runs as one call of the session, so the lock is held
 * from the open until the verb has finished; then the session closes.
 */
import type { OpenChecks } from '../engine/store-config.js';
import { openStoreSession, type StoreSession, type StoreSessionOptions } from '../ops/store-session.js';
import type { StorageBackend } from '../storage/backend.js';
import { backendFor, storeTarget, type Context } from './context.js';
import { lockStore } from './lock.js';
import { passphraseGiven, resolvePassphrase } from './passphrase.js';
import { storeTrust } from './store-trust.js';

/**
 * The `checks` and `openBackend` of session options that check the store's identity
 * (store-trust.ts): the identity memory is keyed by the backend's own spelling of its
 * location, known only once it is open, so the checks are made then.
 */
export function trustedOpen(open: () => Promise<StorageBackend>, trust: (location: string) => OpenChecks): Pick<StoreSessionOptions, 'checks' | 'openBackend'> {
  let checks: OpenChecks | undefined;
  return {
    checks: {
      config: (cfg) => checks?.config(cfg),
      keys: (cfg, keys) => checks?.keys(cfg, keys),
      unlockFailed: (cfg, err) => checks?.unlockFailed?.(cfg, err),
    },
    openBackend: async () => {
      const backend = await open();
      checks = trust(backend.location);
      return backend;
    },
  };
}

/**
 * Opens the store of this run as a session for the reader `operation`, with the CLI's
 * parts (see above); the caller closes it. The local viewer keeps it for its whole run.
 */
export function openCliSession(ctx: Context, operation: string): Promise<StoreSession> {
  const t = storeTarget(ctx);
  const inputs = { file: ctx.passphraseFile, store: t.options, env: ctx.env };
  return openStoreSession({
    location: t.location,
    options: t.options,
    display: t.display,
    passphrase: () => resolvePassphrase({ ...inputs, what: t.display }),
    warn: ctx.warn,
    ...trustedOpen(
      () => backendFor(t, ctx.signal),
      (location) => storeTrust({ location, display: t.display, passphraseGiven: passphraseGiven(inputs), env: ctx.env, warn: ctx.warn, reset: ctx.trustReset }),
    ),
    ...(ctx.noLock ? {} : { lock: (repo) => lockStore(ctx, repo, operation, false) }),
  });
}

/** Runs `fn` on the store of this run, opened as a session for the reader `operation`. */
export async function withReaderSession<T>(ctx: Context, operation: string, fn: (store: StoreSession) => Promise<T>): Promise<T> {
  const session = await openCliSession(ctx, operation);
  try {
    return await session.run(() => fn(session));
  } finally {
    await session.close();
  }
}
