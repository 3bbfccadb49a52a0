/** `coffer at <store> create [--plaintext] [--no-compression] [--level N]` */
import { formatEvent } from '@coffer/shared/events.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { Repository } from '../../engine/repository.js';
import { expectArgs, flag, int, parseArgs } from '../args.js';
import { backendFor, storeTarget } from '../context.js';
import { resolvePassphrase } from '../passphrase.js';
import { rememberStore } from '../store-trust.js';
import type { Verb } from '../verb.js';

export const create: Verb = {
  name: 'create',
  usage: 'coffer at <store> create [--plaintext] [--no-compression] [--level N]',
  needsStore: true,
  flags: { plaintext: 'bool', 'no-compression': 'bool', 'no-encryption': 'bool', level: 'string', json: 'bool' },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'create');
    expectArgs(p, 0, 0, this.usage);
    const plaintext = flag(p, 'plaintext') || flag(p, 'no-encryption');
    const level = flag(p, 'no-compression') ? 0 : int(p, 'level');
    if (level !== undefined && level > 19) throw new CofferError(ErrorCode.Usage, `--level must be between 1 and 19 (got ${level})`);
    const t = storeTarget(ctx);
    const backend = await backendFor(t);
    try {
      if (await backend.exists()) {
        throw new CofferError(ErrorCode.StoreExists, `a store already exists at ${t.display}; refusing to create another over it`);
      }
      const passphrase = plaintext
        ? undefined
        : await resolvePassphrase({ file: ctx.passphraseFile, store: t.options, env: ctx.env, what: t.display, confirm: true });
      const repo = await Repository.create(backend, passphrase, { plaintext, ...(level !== undefined ? { compressionLevel: level } : {}) });
      // Never report a store that is not there (a server may acknowledge a write it did not do).
      if (!(await backend.exists())) {
        throw new CofferError(ErrorCode.Internal, `the store at ${t.display} was written but its config is not there afterwards: the server did not keep it; nothing was created`);
      }
      rememberStore({ location: backend.location, display: t.display, env: ctx.env, warn: ctx.warn }, repo.config, repo.keys);
      if (flag(p, 'json')) ctx.out(formatEvent({ type: 'created', id: repo.config.id, location: t.display, encrypted: !plaintext }));
      else ctx.out(`created ${plaintext ? 'unencrypted' : 'encrypted'} store ${repo.config.id.slice(0, 8)} at ${t.display}`);
      return 0;
    } finally {
      await backend.close();
    }
  },
};
