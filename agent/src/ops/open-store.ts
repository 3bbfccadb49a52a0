/**
 * The one way a store is opened for reading, by the CLI verbs, the job runner's checks and
 * the viewer alike: its backend (every operation stopping when `signal` aborts), its
 * identity checked against what this machine remembers (store-trust.ts), its keys
 * unwrapped with the passphrase only when it is encrypted, and, unless `lockFor` is
 * undefined (`--no-lock`), a shared lock that closing the backend releases. On any failure
 * the backend is closed again: nothing stays open.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { Repository, type PassphraseSource } from '../engine/repository.js';
import { openBackend } from '../storage/registry.js';
import { AbortableBackend } from '../storage/wrappers/abortable.js';
import { lockForReading } from './store-lock.js';
import { StoreSession, type StoreSessionOptions } from './store-session.js';
import { storeTrust } from './store-trust.js';

/** What opening a store takes. */
export interface OpenStoreRequest {
  /** Path or URL of the store. */
  readonly location: string;
  /** Connector options (identity, port, connections, ...). */
  readonly options: Readonly<Record<string, string>>;
  /** The store as the user named it, for messages. @default location */
  readonly display?: string;
  /** Supplies the passphrase; called only when the store is encrypted. */
  readonly passphrase: PassphraseSource;
  /**
   * Where a passphrase was given for this store ('COFFER_PASSPHRASE', 'the controller',
   * ...), or undefined when none was: a store claiming to be unencrypted is refused when
   * one was given (its config may have been replaced).
   */
  readonly passphraseGiven: string | undefined;
  /** For the state folder (COFFER_STATE_DIR, XDG_STATE_HOME). */
  readonly env: NodeJS.ProcessEnv;
  /** One-line warnings (damage skipped, lock notes). */
  readonly warn: (line: string) => void;
  /** Accept the store's identity as it is now (`trust --reset`). */
  readonly trustReset?: boolean;
  /** Stops the backend's operations (SIGINT/SIGTERM of a CLI run). @default never */
  readonly signal?: AbortSignal;
  /** Take a shared lock for this reader operation ('ls', 'viewer', ...); undefined: no lock. */
  readonly lockFor?: string | undefined;
}

/** Opens a store as {@link OpenStoreRequest} says; the caller closes `repo.backend`. */
export async function openStore(r: OpenStoreRequest): Promise<Repository> {
  const backend = new AbortableBackend(await openBackend(r.location, r.options), r.signal ?? new AbortController().signal);
  const display = r.display ?? r.location;
  try {
    const trust = storeTrust({ location: backend.location, display, passphraseGiven: r.passphraseGiven, env: r.env, warn: r.warn, reset: r.trustReset });
    const repo = await Repository.open(backend, r.passphrase, trust);
    repo.warn = r.warn;
    if (r.lockFor !== undefined) await lockForReading(repo, r.lockFor, r.warn);
    return repo;
  } catch (err) {
    await backend.close();
    throw err;
  }
}

/** Opens a store (as {@link openStore}) as a session kept for later calls. */
export async function openStoreSession(r: OpenStoreRequest, s: Omit<StoreSessionOptions, 'env' | 'signal'> = {}): Promise<StoreSession> {
  return new StoreSession(await openStore(r), { ...s, env: r.env, ...(r.signal ? { signal: r.signal } : {}) });
}

/**
 * The passphrase source of a session key: the passphrase given, or a WrongPassphrase
 * error naming `what` and where to put one when none was and the store is encrypted.
 */
export function givenPassphrase(passphrase: string | undefined, what: string, fix: string): PassphraseSource {
  return () => {
    if (passphrase !== undefined && passphrase !== '') return Promise.resolve(passphrase);
    return Promise.reject(new CofferError(ErrorCode.WrongPassphrase, `${what} is encrypted and no passphrase was given for it; ${fix}`));
  };
}
