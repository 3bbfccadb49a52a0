/**
 * The local memory of store identities, like Borg's security folder or ssh's
 * known_hosts: one small JSON file per store location under the state folder
 * (COFFER_STATE_DIR, else $XDG_STATE_HOME/coffer, else ~/.local/state/coffer), in
 * `known-stores/`. Guarantees: files are mode 0600 in folders of mode 0700, written
 * atomically; they hold no secret (the store id, whether it is encrypted, its format
 * version, a digest of its public config and a fingerprint of its keys that reveals
 * nothing about them).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { stateDir } from '../ops/state-dir.js';

/** What is remembered of one store location. */
export interface KnownStore {
  readonly location: string;
  readonly storeId: string;
  readonly encrypted: boolean;
  readonly version: number;
  /** configDigest() of its config (engine/config-auth.ts). */
  readonly config: string;
  /** keyFingerprint() of its master keys. */
  readonly keys: string;
  /** When this machine first saw it (ISO-8601). */
  readonly firstSeen: string;
}

export { stateDir };

/** The file remembering `location`. */
export function knownStoreFile(location: string, env: NodeJS.ProcessEnv): string {
  const name = createHash('sha256').update(location, 'utf8').digest('hex').slice(0, 32);
  return path.join(stateDir(env), 'known-stores', `${name}.json`);
}

function isKnownStore(v: unknown, location: string): v is KnownStore {
  const o = v as Record<string, unknown> | null;
  return (
    o !== null &&
    typeof o === 'object' &&
    o.location === location &&
    typeof o.storeId === 'string' &&
    typeof o.encrypted === 'boolean' &&
    typeof o.version === 'number' &&
    typeof o.config === 'string' &&
    typeof o.keys === 'string'
  );
}

/** What is remembered of `location`, or undefined on first sight. Throws Config when the file is unreadable or damaged. */
export function readKnownStore(location: string, env: NodeJS.ProcessEnv): KnownStore | undefined {
  const file = knownStoreFile(location, env);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CofferError(ErrorCode.Config, `cannot read ${file}, the remembered identity of ${location}: ${(err as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  if (!isKnownStore(v, location)) {
    throw new CofferError(ErrorCode.Config, `${file}, the remembered identity of ${location}, is damaged; remove it (the next use records the store again)`);
  }
  return v;
}

/** Remembers a store (replacing what was remembered of its location). */
export function writeKnownStore(rec: KnownStore, env: NodeJS.ProcessEnv): void {
  const file = knownStoreFile(rec.location, env);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, JSON.stringify(rec, null, 2) + '\n', 0o600);
}
