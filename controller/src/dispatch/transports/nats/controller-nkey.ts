/**
 * The controller's own NATS identity: an NKey user seed in DATA/nats-controller.nk (0600),
 * made on first use. `controller start --nats` uses it unless --nats-creds or TLS options
 * say otherwise; `controller nats-config` grants its public key every permission.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';

/** The controller's NKey seed file, made when missing; returns its public key. */
export function controllerNkey(dataDir: string): { file: string; publicKey: string } {
  const file = path.join(dataDir, 'nats-controller.nk');
  let seed: string;
  try {
    seed = fs.readFileSync(file, 'utf8').trim();
  } catch {
    const kp = createUser();
    seed = new TextDecoder().decode(kp.getSeed());
    writeFileAtomicSync(file, seed + '\n', 0o600);
  }
  return { file, publicKey: fromSeed(new TextEncoder().encode(seed)).getPublicKey() };
}
