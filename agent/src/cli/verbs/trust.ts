/**
 * `coffer at <store> trust [--reset]`: shows the identity this machine remembers of the
 * store (recording it on first sight); `--reset` first forgets what was remembered, so
 * that a store deliberately re-created or changed at that location is accepted. The
 * store is opened as by any verb (passphrase, config MAC, plaintext refusal), so only
 * a store whose keys open is remembered.
 */
import { expectArgs, flag, parseArgs } from '../args.js';
import { backendFor, openRepo, storeTarget } from '../context.js';
import { forgetKnownStore, knownStoreFile, readKnownStore } from '../known-stores.js';
import type { Verb } from '../verb.js';

export const trust: Verb = {
  name: 'trust',
  usage: 'coffer at <store> trust [--reset]',
  needsStore: true,
  async run(ctx, argv) {
    const p = parseArgs(argv, { reset: 'bool', json: 'bool' }, 'trust');
    expectArgs(p, 0, 0, this.usage);
    const t = storeTarget(ctx);
    if (flag(p, 'reset')) {
      const probe = await backendFor(t);
      const location = probe.location;
      await probe.close();
      if (forgetKnownStore(location, ctx.env)) ctx.warn(`forgot the identity remembered for ${t.display}`);
    }
    const repo = await openRepo(ctx, t);
    try {
      const known = readKnownStore(repo.backend.location, ctx.env);
      const rec = {
        type: 'trust',
        location: repo.backend.location,
        id: repo.config.id,
        encrypted: known?.encrypted ?? repo.config.encryption !== null,
        keys: known?.keys ?? '',
        firstSeen: known?.firstSeen ?? '',
        file: knownStoreFile(repo.backend.location, ctx.env),
      };
      if (flag(p, 'json')) ctx.out(JSON.stringify(rec));
      else {
        const since = rec.firstSeen ? `, known since ${rec.firstSeen}` : ' (not remembered: see the warning)';
        ctx.out(`store ${rec.id.slice(0, 8)} at ${t.display}: ${rec.encrypted ? 'encrypted' : 'unencrypted'}, keys ${rec.keys.slice(0, 16) || '?'}${since}`);
      }
      return 0;
    } finally {
      await repo.backend.close();
    }
  },
};
