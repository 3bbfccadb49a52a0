/** `coffer at <store> diff <s1>[:<p>] <s2>[:<p>]` — what changed between two snapshots. */
import { formatListing } from '@coffer/shared/events.js';
import { findEntry, shownPath, splitRef } from '../../engine/tree-walk.js';
import { expectArgs, flag, parseArgs } from '../args.js';
import { changesBetween } from '../../ops/diff.js';
import { withReaderSession } from '../reader-session.js';
import { displayName, jsonName } from '../names.js';
import { DamageReport } from '../damage-report.js';
import { FILTER_FLAGS, filterOf, resolveRef } from '../snapshot-filter.js';
import type { Verb } from '../verb.js';

export const diff: Verb = {
  name: 'diff',
  usage: 'coffer at <store> diff [--json] [--host H] [--source S] [--tag T] <snapshot1>[:<path>] <snapshot2>[:<path>]',
  needsStore: true,
  flags: { json: 'bool', ...FILTER_FLAGS },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'diff');
    expectArgs(p, 2, 2, this.usage);
    return withReaderSession(ctx, 'diff', async (store) => {
      const repo = store.repo;
      const ra = splitRef(p.args[0] as string);
      const rb = splitRef(p.args[1] as string);
      const filter = await filterOf(p, ctx.env, true);
      const sa = await resolveRef(repo, ra.snap, filter);
      const sb = await resolveRef(repo, rb.snap, filter);
      const { node: a, path: pa } = await findEntry(repo, sa, ra.path);
      const { node: b, path: pb } = await findEntry(repo, sb, rb.path);
      // Both sides at the same original path: changes are shown by their absolute paths; else relative to the two paths compared.
      const base = shownPath(sa, pa) === shownPath(sb, pb) ? shownPath(sa, pa).replace(/\/$/, '') : '';
      let n = 0;
      const damage = new DamageReport(ctx);
      for await (const c of changesBetween(repo, a, b, '', damage.onDamage)) {
        n++;
        if (flag(p, 'json')) ctx.out(formatListing('change', { change: c.kind, ...jsonName('path', `${base}/${c.path}`) }));
        else ctx.out(`${c.kind} ${displayName(`${base}/${c.path}`)}`);
      }
      if (!flag(p, 'json') && n === 0 && damage.count === 0) ctx.warn('no differences');
      return damage.status();
    });
  },
};
