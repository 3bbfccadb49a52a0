/** `coffer at <store> locate [--snapshot ID] <glob>…` — finds files by name in snapshots. */
import { formatListing } from '@coffer/shared/events.js';
import { walk } from '../../engine/tree-walk.js';
import { globToRegExp } from '../../ops/glob.js';
import { expectArgs, flag, list, parseArgs } from '../args.js';
import { openReader } from '../lock.js';
import { displayName, jsonName } from '../names.js';
import { DamageReport } from '../damage-report.js';
import type { Verb } from '../verb.js';

export const locate: Verb = {
  name: 'locate',
  usage: 'coffer at <store> locate [--snapshot ID] [--json] <glob>…',
  needsStore: true,
  async run(ctx, argv) {
    const p = parseArgs(argv, { snapshot: 'list', json: 'bool' }, 'locate');
    expectArgs(p, 1, 100, this.usage);
    const res = p.args.map(globToRegExp);
    const repo = await openReader(ctx, 'locate');
    try {
      const wanted = list(p, 'snapshot');
      const snaps = wanted.length ? await Promise.all(wanted.map((w) => repo.resolveSnapshot(w))) : await repo.listSnapshots();
      const damage = new DamageReport(ctx);
      for (const s of snaps) {
        for await (const e of walk(repo, s.snapshot.root, '', (path, err) => damage.dir(s.id, path, err))) {
          const shown = displayName(e.node.name);
          if (!res.some((r) => r.test(e.node.name) || r.test(shown))) continue;
          if (flag(p, 'json')) ctx.out(formatListing('match', { snapshot: s.id, ...jsonName('path', `/${e.path}`), type: e.node.type }));
          else ctx.out(`${s.id.slice(0, 8)}:/${displayName(e.path)}`);
        }
      }
      return damage.status();
    } finally {
      await repo.backend.close();
    }
  },
};
