/**
 * `coffer at <store> trust [--reset]`: shows the identity this machine remembers of the
 * store (recording it on first sight); `--reset` accepts the store as it is now (one
 * deliberately re-created or changed at that location) and remembers it in place of
 * what was remembered. The store is opened as by any verb (passphrase, config MAC,
 * plaintext refusal), so only a store whose keys open is remembered, and a failed reset
 * leaves the old memory in place.
 */
import { expectArgs, flag, parseArgs } from '../args.js';
import { openRepo, storeTarget } from '../context.js';
import { knownStoreFile, readKnownStore } from '../known-stores.js';
import type { Verb } from '../verb.js';

export const trust: Verb = {
  name: 'trust',
  usage: 'coffer at <store> trust [--reset] [--json]',
  needsStore: true,
  flags: { reset: 'bool', json: 'bool' },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'trust');
    expectArgs(p, 0, 0, this.usage);
    const t = storeTarget(ctx);
    const repo = await openRepo({ ...ctx, trustReset: flag(p, 'reset') }, t);
    try {
      const location = repo.backend.location;
      const known = readKnownStore(location, ctx.env);
      const rec = {
        type: 'trust',
        location,
        id: repo.config.id,
        encrypted: repo.config.encryption !== null,
        keys: known?.keys ?? '',
        firstSeen: known?.firstSeen ?? '',
        file: knownStoreFile(location, ctx.env),
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
