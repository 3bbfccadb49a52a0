/**
 * What someone who can write to a store but knows no passphrase can do to its config,
 * for the tests of the authenticated config and the store identity memory: swap in the
 * config of a fresh plaintext store, or edit a field and fix up the unkeyed checksum.
 * Also a listing of a store's files, to assert that a refused command wrote nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import { hashPlain } from '@coffer/agent/engine/hash.js';
import { assertExit, runCoffer, storeFiles, tmpDir } from './cli.js';

/** The config bytes of a fresh plaintext store (created in a temporary folder). */
export function freshPlaintextConfig(): Buffer {
  const store = path.join(tmpDir('coffer-forge-'), 'plain');
  const r = runCoffer(['at', store, 'create', '--plaintext'], { env: { COFFER_PASSPHRASE: undefined, COFFER_STATE_DIR: tmpDir('coffer-forge-state-') } });
  assertExit(r, 0, 'create --plaintext');
  return fs.readFileSync(path.join(store, 'config'));
}

/** Re-serialises a config object with a correct unkeyed checksum, as a forger would. */
export function withFixedChecksum(obj: Record<string, unknown>): Buffer {
  const { checksum: _old, ...rest } = obj;
  const sum = hashPlain(Buffer.from(JSON.stringify(rest), 'utf8')).toString('hex');
  return Buffer.from(JSON.stringify({ ...rest, checksum: sum }, null, 2) + '\n');
}

/** Edits the config in the store folder `store` and fixes up its checksum. */
export function forgeConfig(store: string, edit: (cfg: Record<string, unknown>) => void): void {
  const file = path.join(store, 'config');
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  edit(cfg);
  fs.writeFileSync(file, withFixedChecksum(cfg));
}

/** Every file of a store folder with its size, sorted, as `relative/path size` lines. */
export function storeListing(store: string): string[] {
  return [...storeFiles(store, '')].map(([p, size]) => `${path.relative(store, p)} ${size}`).sort();
}
