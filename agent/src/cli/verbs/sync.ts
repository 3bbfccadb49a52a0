/**
 * `coffer at <store> sync [<snapshot>…] to <other store>` (also `from`): copies
 * snapshots between stores, writing only the data the receiving store lacks. The
 * other store's passphrase comes from its named-store settings, COFFER_TO_PASSPHRASE
 * (or _CMD), --to-passphrase-file, or else the same sources as this store's.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { EncodePool } from '../../engine/encode-pool.js';
import { lockReading, lockStore } from '../lock.js';
import { RepoWriter } from '../../engine/repo-writer.js';
import { Repository } from '../../engine/repository.js';
import { alreadyCopied, syncSnapshot } from '../../engine/syncer.js';
import { isDamage } from '../../engine/tree-walk.js';
import { parseArgs, str } from '../args.js';
import { backendFor, openRepo, resolveStore, storeTarget, type Context } from '../context.js';
import { passphraseGiven, resolvePassphrase } from '../passphrase.js';
import { storeTrust } from '../store-trust.js';
import { FILTER_FLAGS, filterOf, matches, resolveRef } from '../snapshot-filter.js';
import type { Verb } from '../verb.js';
import { workerCount } from './backup.js';

async function openPeer(ctx: Context, ref: string, file: string | undefined): Promise<Repository> {
  const t = resolveStore(ref, ctx.env);
  const backend = await backendFor(t, ctx.signal);
  // Only a passphrase given for the other store itself makes its claim of no encryption suspect.
  const given = passphraseGiven({ file, store: t.options, env: ctx.env, envVar: 'COFFER_TO_PASSPHRASE' });
  const trust = storeTrust({ location: backend.location, display: t.display, passphraseGiven: given, env: ctx.env, warn: ctx.warn });
  const repo = await Repository.open(backend, async () => {
    try {
      return await resolvePassphrase({ file, store: t.options, env: ctx.env, what: t.display, envVar: 'COFFER_TO_PASSPHRASE' });
    } catch (err) {
      if (!(err instanceof CofferError) || err.code !== ErrorCode.WrongPassphrase) throw err;
      const own = storeTarget(ctx);
      return resolvePassphrase({ file: ctx.passphraseFile, store: own.options, env: ctx.env, what: t.display });
    }
  }, trust);
  repo.warn = ctx.warn;
  return repo;
}

export const sync: Verb = {
  name: 'sync',
  usage: 'coffer at <store> sync [<snapshot>…] to|from <other store> [--to-passphrase-file F] [--host H] [--source S] [--tag T]',
  needsStore: true,
  flags: { 'to-passphrase-file': 'string', ...FILTER_FLAGS },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'sync');
    const dir = p.args.findIndex((a) => a === 'to' || a === 'from');
    if (dir < 0 || dir !== p.args.length - 2) throw new CofferError(ErrorCode.Usage, `usage: ${this.usage}`);
    const refs = p.args.slice(0, dir);
    const here = await openRepo(ctx);
    const peer = await openPeer(ctx, p.args[dir + 1] as string, str(p, 'to-passphrase-file'));
    const [src, dst] = p.args[dir] === 'to' ? [here, peer] : [peer, here];
    const lock = await lockStore(ctx, dst, 'sync', false);
    const pool = new EncodePool(dst.codec, dst.keys.data, workerCount(ctx.env));
    try {
      await lockReading(ctx, src, 'sync (reading)');
      await src.loadIndex();
      await dst.loadIndex();
      // `latest` is this host's; without snapshots named, the filters select among all (any host unless --host).
      const latestFilter = await filterOf(p, ctx.env, true);
      const listFilter = await filterOf(p, ctx.env, false);
      const wanted = refs.length ? await Promise.all(refs.map((r) => resolveRef(src, r, latestFilter))) : (await src.listSnapshots()).filter((s) => matches(s, listFilter));
      const existing = await dst.listSnapshots();
      let copied = 0;
      let failed = 0;
      for (const rec of wanted) {
        if (alreadyCopied(rec, src.config.id, existing)) {
          ctx.warn(`${rec.id.slice(0, 8)} is already in ${dst.backend.location}`);
          continue;
        }
        const writer = new RepoWriter(dst, { pool });
        let out;
        try {
          out = await syncSnapshot(src, dst, writer, rec);
        } catch (err) {
          if (!isDamage(err)) throw err;
          // What was copied so far is saved (unreferenced, maintenance frees it); the other snapshots go on.
          await writer.flush();
          failed++;
          ctx.warn(`warning: snapshot ${rec.id.slice(0, 8)} not copied: ${err.message}; run 'coffer at ${src.backend.location} check'`);
          continue;
        }
        copied++;
        ctx.out(`copied ${rec.id.slice(0, 8)} → ${out.id.slice(0, 8)} (${writer.stats.newBlobs} new chunks, ${writer.stats.storedBytes} bytes written)`);
      }
      ctx.out(`sync: ${copied} snapshots copied to ${dst.backend.location}${failed ? `, ${failed} could not be copied (damaged)` : ''}`);
      return failed ? 3 : 0;
    } finally {
      await pool.close();
      await lock.release();
      await here.backend.close();
      await peer.backend.close();
    }
  },
};
