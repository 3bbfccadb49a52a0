/** `coffer at <store> locate [--snapshot ID] <glob>…` — finds files by name in snapshots (ops/tree-search.ts). */
import { formatListing } from '@coffer/shared/events.js';
import { shownPath } from '../../engine/tree-walk.js';
import { anyOf, globMatcher } from '../../ops/name-match.js';
import { searchSnapshots } from '../../ops/tree-search.js';
import { expectArgs, flag, list, parseArgs } from '../args.js';
import { withReaderSession } from '../reader-session.js';
import { displayName, jsonName } from '../names.js';
import { DamageReport } from '../damage-report.js';
import { FILTER_FLAGS, filterOf, matches, resolveRef } from '../snapshot-filter.js';
import type { Verb } from '../verb.js';

export const locate: Verb = {
  name: 'locate',
  usage: 'coffer at <store> locate [--snapshot ID] [--json] [--host H] [--source S] [--tag T] <glob>…',
  needsStore: true,
  flags: { snapshot: 'list', json: 'bool', ...FILTER_FLAGS },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'locate');
    expectArgs(p, 1, 100, this.usage);
    const match = anyOf(p.args.map(globMatcher));
    return withReaderSession(ctx, 'locate', async (store) => {
      const repo = store.repo;
      const wanted = list(p, 'snapshot');
      // --snapshot latest is this host's; without --snapshot the filters select among all (any host unless --host).
      const latestFilter = await filterOf(p, ctx.env, true);
      const listFilter = await filterOf(p, ctx.env, false);
      const snaps = wanted.length ? await Promise.all(wanted.map((w) => resolveRef(repo, w, latestFilter))) : (await repo.listSnapshots()).filter((s) => matches(s, listFilter));
      const damage = new DamageReport(ctx);
      const onDamage = (s: { id: string }, path: string, err: Parameters<DamageReport['dir']>[2]): void => damage.dir(s.id, path, err);
      for await (const m of searchSnapshots(repo, snaps, match, { signal: ctx.signal, onDamage })) {
        if (flag(p, 'json')) ctx.out(formatListing('match', { snapshot: m.snapshot.id, ...jsonName('path', shownPath(m.snapshot, m.path)), type: m.node.type }));
        else ctx.out(`${m.snapshot.id.slice(0, 8)}:${displayName(shownPath(m.snapshot, m.path))}`);
      }
      return damage.status();
    });
  },
};
