/**
 * The client's checks of a store's identity when it opens one (Repository.open's
 * OpenChecks). Guarantees: a store whose config claims no encryption is refused when a
 * passphrase was given for it (its config may have been replaced by someone without the
 * keys); a location this machine has used before is refused when its store id,
 * encryption, config or keys differ from what was remembered (known-stores.ts), until
 * the change is accepted with `coffer at STORE trust --reset` (except a version 2
 * encrypted config that authenticates under the remembered keys: a changed passphrase); on first sight the store
 * is remembered (trust on first use), only after its keys opened. Nothing is written
 * to the store.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { configDigest, keyFingerprint, MAC_SINCE_VERSION } from '../engine/config-auth.js';
import { isEncrypted, type MasterKeys, type OpenChecks, type StoreConfig } from '../engine/store-config.js';
import { type KnownStore, knownStoreFile, readKnownStore, writeKnownStore } from './known-stores.js';

/** Inputs of {@link storeTrust}. */
export interface TrustInputs {
  /** The backend's location (the key of the memory). */
  readonly location: string;
  /** The store as the user named it, for messages. */
  readonly display: string;
  /** Where a passphrase was given for this store (passphraseGiven()), or undefined. */
  readonly passphraseGiven: string | undefined;
  readonly env: NodeJS.ProcessEnv;
  /** For a memory that cannot be written (the store is still used). */
  readonly warn: (line: string) => void;
  /** Accept the store as it is now: skip the comparison with what was remembered, and remember it anew (`trust --reset`). */
  readonly reset?: boolean | undefined;
}

function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * What differs between the remembered identity and the store's config. A changed config
 * of an encrypted store with a MAC (version 2 on) is `deferred`: it is accepted once its
 * keys open and are the remembered ones, since only a holder of those keys can write a
 * config that authenticates (a passphrase changed with `key passwd` rewrites the config).
 */
function configChanges(known: KnownStore, cfg: StoreConfig): { what: string[]; deferred: boolean } {
  const out: string[] = [];
  if (known.storeId !== cfg.id) out.push(`its store id changed (was ${shortId(known.storeId)}, now ${shortId(cfg.id)})`);
  const enc = isEncrypted(cfg);
  if (known.encrypted !== enc) out.push(known.encrypted ? 'it was encrypted and now claims to be unencrypted' : 'it was unencrypted and now is encrypted');
  const differs = out.length === 0 && known.config !== configDigest(cfg);
  const deferred = differs && enc && cfg.version >= MAC_SINCE_VERSION;
  if (differs && !deferred) out.push('its config file changed');
  return { what: out, deferred };
}

function changed(t: TrustInputs, what: string[]): CofferError {
  return new CofferError(
    ErrorCode.Untrusted,
    `the store at ${t.display} is not the one this machine used before: ${what.join(', ')}; ` +
      `if it was re-created or changed on purpose, accept it with 'coffer at ${t.display} trust --reset' (or remove ${knownStoreFile(t.location, t.env)})`,
  );
}

/** The identity record of an opened store. */
export function identityOf(location: string, cfg: StoreConfig, keys: MasterKeys, now = new Date()): KnownStore {
  return {
    location,
    storeId: cfg.id,
    encrypted: isEncrypted(cfg),
    version: cfg.version,
    config: configDigest(cfg),
    keys: keyFingerprint(keys),
    firstSeen: now.toISOString(),
  };
}

/** Remembers a store; a memory that cannot be written is a warning, not a failure. */
export function rememberStore(t: Pick<TrustInputs, 'location' | 'display' | 'env' | 'warn'>, cfg: StoreConfig, keys: MasterKeys): void {
  try {
    writeKnownStore(identityOf(t.location, cfg, keys), t.env);
  } catch (err) {
    t.warn(`warning: cannot remember the identity of ${t.display} in ${knownStoreFile(t.location, t.env)}: ${(err as Error).message} (set COFFER_STATE_DIR to a writable folder)`);
  }
}

/** The checks for opening the store at `t.location`. */
export function storeTrust(t: TrustInputs): OpenChecks {
  let known: KnownStore | undefined;
  let deferred = false;
  return {
    config(cfg) {
      if (!isEncrypted(cfg) && t.passphraseGiven !== undefined) {
        throw new CofferError(
          ErrorCode.Untrusted,
          `the store at ${t.display} claims to be unencrypted but a passphrase was given (${t.passphraseGiven}): refusing (its config may have been replaced); ` +
            'if you really mean to use an unencrypted store, unset the passphrase',
        );
      }
      known = t.reset ? undefined : readKnownStore(t.location, t.env);
      if (!known) return;
      const c = configChanges(known, cfg);
      if (c.what.length > 0) throw changed(t, c.what);
      deferred = c.deferred;
    },
    unlockFailed(_cfg, err) {
      if (!deferred) return;
      if (err.code === ErrorCode.Untrusted) throw changed(t, ['its config file changed (and does not authenticate under its keys)']);
      if (err.code === ErrorCode.WrongPassphrase) {
        throw new CofferError(
          ErrorCode.WrongPassphrase,
          `${err.message} (its config changed since this machine last used it: its passphrase may have been changed with 'key passwd')`,
        );
      }
    },
    keys(cfg, keys) {
      if (!known) {
        rememberStore(t, cfg, keys);
        return;
      }
      if (known.keys !== keyFingerprint(keys)) throw changed(t, deferred ? ['its config file changed', 'its keys changed'] : ['its keys changed']);
      // An authenticated config under the same keys (a passphrase slot changed): remembered as it is now.
      if (deferred) rememberStore(t, cfg, keys);
    },
  };
}
