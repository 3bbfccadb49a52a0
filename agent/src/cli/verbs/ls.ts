/**
 * `coffer at <store> ls [--recursive] [--json] [--host H] [--source S] [--tag T] [<snapshot>[:<path>]]`
 * Without a snapshot: the snapshots passing the filters (any host unless --host). `latest`
 * is this host's newest (snapshot-filter.ts).
 */
import { formatListing } from '@coffer/shared/events.js';
import { childChunks, findEntry, shownPath, splitRef, walk } from '../../engine/tree-walk.js';
import type { TreeNode } from '../../engine/tree.js';
import { expectArgs, flag, parseArgs } from '../args.js';
import { FILTER_FLAGS, filterOf, matches, resolveRef } from '../snapshot-filter.js';
import { openReader } from '../lock.js';
import { withReaderSession } from '../reader-session.js';
import { DamageReport } from '../damage-report.js';
import { bytes, localTime, modeString } from '../format.js';
import { LineBatch } from '../line-batch.js';
import { displayName, jsonName } from '../names.js';
import type { Verb } from '../verb.js';

function nodeLine(n: TreeNode, path: string): string {
  const owner = `${n.user ?? n.uid ?? '?'} ${n.group ?? n.gid ?? '?'}`;
  const size = n.type === 'file' ? bytes(n.size ?? 0) : '';
  const t = localTime(new Date(Number(BigInt(n.mtime) / 1_000_000n)).toISOString());
  const link = n.type === 'symlink' ? ` -> ${displayName(n.target ?? '')}` : '';
  return `${modeString(n.type, n.mode, n.kind)} ${owner.padEnd(17)} ${size.padStart(10)} ${t} ${displayName(path)}${link}`;
}

function nodeJson(n: TreeNode, shown: string): string {
  const { content: _c, subtree: _s, xattrs: _x, ...rest } = n;
  const target = n.target !== undefined ? jsonName('target', n.target) : {};
  return formatListing('entry', { ...jsonName('path', shown), ...rest, ...jsonName('name', n.name), ...target, mtime_ns: n.mtime });
}

export const ls: Verb = {
  name: 'ls',
  usage: 'coffer at <store> ls [--recursive] [--json] [--host H] [--source S] [--tag T] [<snapshot>[:<path>]]',
  needsStore: true,
  flags: { recursive: 'bool', json: 'bool', uuid: 'bool', ...FILTER_FLAGS },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'ls');
    expectArgs(p, 0, 1, this.usage);
    const json = flag(p, 'json');
    if (p.args.length === 0) {
      // Only the snapshot files are read: no session, whose open would load the whole index.
      const repo = await openReader(ctx, 'ls');
      try {
        const filter = await filterOf(p, ctx.env, false);
        const snaps = (await repo.listSnapshots()).filter((s) => matches(s, filter));
        for (const { id, snapshot: s } of snaps) {
          if (json) {
            ctx.out(formatListing('snapshot', { id, time: s.time, host: s.host, user: s.user, source: s.source, tags: s.tags, summary: s.summary, parent: s.parent }));
          } else {
            const tags = s.tags.length ? ` tags=${s.tags.join(',')}` : '';
            ctx.out(`${s.time.slice(0, 19)}Z  ${flag(p, 'uuid') ? id : id.slice(0, 8)}  ${bytes(s.summary.bytes).padStart(10)}  ${String(s.summary.files).padStart(7)} files  ${s.host}:${s.source.location}${tags}`);
          }
        }
        return 0;
      } finally {
        await repo.backend.close();
      }
    }
    return withReaderSession(ctx, 'ls', async (store) => {
      const repo = store.repo;
      const typed = splitRef(p.args[0] as string);
      const snap = await resolveRef(repo, typed.snap, await filterOf(p, ctx.env, true));
      const { node, path: at } = await findEntry(repo, snap, typed.path);
      const ref = { ...typed, path: at };
      const out = new LineBatch(ctx.out);
      const print = (n: TreeNode, path: string): void => out.add(json ? nodeJson(n, shownPath(snap, path)) : nodeLine(n, shownPath(snap, path)));
      const damage = new DamageReport(ctx);
      try {
        if (flag(p, 'recursive')) {
          // Streams: each line is printed as its folder is read (in batches), no list of all entries is kept.
          for await (const e of walk(repo, node, ref.path, damage.onDamage, { cache: false })) if (e.path !== ref.path || node.type !== 'dir') print(e.node, e.path);
        } else if (node.type === 'dir') {
          for await (const part of childChunks(repo, node, ref.path, damage.onDamage)) for (const c of part) print(c, ref.path === '' ? c.name : `${ref.path}/${c.name}`);
        } else {
          print(node, ref.path);
        }
      } finally {
        // What was gathered is printed also when the walk stops on an error.
        out.flush();
      }
      return damage.status();
    });
  },
};
