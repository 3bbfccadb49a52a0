/** `coffer at <store> digest <snapshot>:<path>…` — SHA-256 of files, as sha256sum prints it. */
import { createHash } from 'node:crypto';
import { fileChunks } from '../../engine/file-reader.js';
import { findEntry, splitRef, walk } from '../../engine/tree-walk.js';
import { expectArgs, parseArgs } from '../args.js';
import { openReader } from '../lock.js';
import { displayName } from '../names.js';
import { DamageReport } from '../damage-report.js';
import { isDamage } from '../../engine/tree-walk.js';
import { FILTER_FLAGS, filterOf, resolveRef } from '../snapshot-filter.js';
import type { Verb } from '../verb.js';

export const digest: Verb = {
  name: 'digest',
  usage: 'coffer at <store> digest [--host H] [--source S] [--tag T] <snapshot>[:<path>]…',
  needsStore: true,
  flags: { hashing: 'string', ...FILTER_FLAGS },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'digest');
    expectArgs(p, 1, 1000, this.usage);
    const repo = await openReader(ctx, 'digest');
    try {
      await repo.loadIndex();
      const damage = new DamageReport(ctx);
      const filter = await filterOf(p, ctx.env, true);
      for (const a of p.args) {
        const ref = splitRef(a);
        const snap = await resolveRef(repo, ref.snap, filter);
        const { node, path: at } = await findEntry(repo, snap, ref.path);
        for await (const e of walk(repo, node, at, damage.onDamage, { cache: false })) {
          if (e.node.type !== 'file') continue;
          const h = createHash('sha256');
          try {
            for await (const c of fileChunks(repo, e.node, e.path)) h.update(c);
          } catch (err) {
            if (!isDamage(err)) throw err;
            damage.file(e.path, err);
            continue;
          }
          ctx.out(`${h.digest('hex')}  ${displayName(e.path === '' ? e.node.name : e.path)}`);
        }
      }
      return damage.status();
    } finally {
      await repo.backend.close();
    }
  },
};
