/**
 * `coffer at <store> backup [--tag a,b] [--host NAME] [--ignore P]… [--ignore-file F] [--one-file-system]
 *   [--exclude-caches] [--exclude-if-present NAME[:HEADER]]… [--check] [--json] <path…|@source>`
 * Several local paths make one snapshot laid out from `/` (connectors/multi-source.ts).
 * The snapshot records --host (default: this machine's host name); its parent is the last
 * snapshot of the same host and source.
 * With --json, the last line is the summary: `snapshot_id`, the snapshot's counts
 * (files, bytes, newBytes, storedBytes, durationMs, errors, …), and `time` (ISO),
 * `host`, `user`, `tags`, `source` ({type, location}) and `parent` (absent for a first backup).
 */
import { formatEvent } from '@coffer/shared/events.js';
import fs from 'node:fs';
import os from 'node:os';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { VERSION } from '@coffer/shared/version.js';
import { backup } from '../../engine/archiver.js';
import { check } from '../../engine/checker.js';
import { EncodePool } from '../../engine/encode-pool.js';
import { makeIgnore } from '../../engine/ignore-rules.js';
import { CACHEDIR_TAG, parseTagFile } from '../../engine/walk-filters.js';
import { lockStore } from '../lock.js';
import { RepoWriter } from '../../engine/repo-writer.js';
import { hostName } from '../../engine/repository.js';
import { adoptOrphanPacks } from '../../engine/orphans.js';
import { openLocalSources, openSource } from '../../connectors/registry.js';
import { FilePool } from '../../pipeline/file-pool.js';
import { expectArgs, flag, int, list, parseArgs, str } from '../args.js';
import { openRepo } from '../context.js';
import { bytes, duration } from '../format.js';
import { progressListener } from '../progress-bar.js';
import { TotalsScan } from '../scan-totals.js';
import { lookup } from '../user-config.js';
import { displayName } from '../names.js';
import type { Verb } from '../verb.js';

/** Worker threads for encoding: one per core. */
export function workerCount(env: NodeJS.ProcessEnv): number {
  const n = Number(env.COFFER_WORKERS);
  return Number.isInteger(n) && n >= 0 ? n : Math.max(1, os.availableParallelism());
}

export const backupVerb: Verb = {
  name: 'backup',
  usage: 'coffer at <store> backup [--tag a,b] [--host NAME] [--ignore PATTERN]… [--ignore-file F] [--one-file-system] [--exclude-caches] [--exclude-if-present NAME[:HEADER]]… [--check] [--json] <path…|@source>',
  needsStore: true,
  flags: { tag: 'list', ignore: 'list', exclude: 'list', 'ignore-file': 'list', excludes: 'list', check: 'bool', json: 'bool', quiet: 'bool', workers: 'string', host: 'string', 'one-file-system': 'bool', 'exclude-caches': 'bool', 'exclude-if-present': 'list' },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'backup');
    expectArgs(p, 1, Infinity, this.usage);
    const json = flag(p, 'json');
    const host = str(p, 'host') ?? hostName();
    if (host === '' || host === '*' || /[\s:]/.test(host)) throw new CofferError(ErrorCode.Usage, `--host must be a host name without spaces or ':' (got '${host}')`);
    const place = p.args[0] as string;
    if (p.args.length > 1 && p.args.some((a) => a.startsWith('@'))) throw new CofferError(ErrorCode.Usage, 'a named source (@NAME) is backed up on its own; give several paths only as local folders');
    const src = place.startsWith('@') ? lookup('sources', place, ctx.env) : { location: place };
    const patterns = [...list(p, 'ignore'), ...list(p, 'exclude')];
    for (const f of [...list(p, 'ignore-file'), ...list(p, 'excludes')]) {
      try {
        patterns.push(...fs.readFileSync(f, 'utf8').split(/\r?\n/));
      } catch (err) {
        throw new CofferError(ErrorCode.Usage, `cannot read ignore file ${f}: ${(err as Error).message}`);
      }
    }
    const ignore = makeIgnore(patterns);
    const tags = list(p, 'exclude-if-present').map(parseTagFile);
    if (flag(p, 'exclude-caches')) tags.push(CACHEDIR_TAG);
    const filters = { oneFileSystem: flag(p, 'one-file-system'), excludeIfPresent: tags };
    const repo = await openRepo(ctx);
    const source = p.args.length > 1 ? openLocalSources(p.args) : await openSource(src.location as string, src);
    const user = os.userInfo().username;
    const lock = await lockStore(ctx, repo, 'backup', false);
    const workers = int(p, 'workers') ?? workerCount(ctx.env);
    // Local sources are read, chunked and encoded on file workers; others stream through this thread.
    const local = source.localPath !== undefined && workers > 0;
    const pool = new EncodePool(repo.codec, repo.keys.data, local ? 0 : workers);
    let files: FilePool | undefined;
    // On a terminal (or with --json) a local source is also sized by a walk beside the backup, for the percentage and ETA.
    // Several paths: no sizing walk (it would start at '/'); the parent's totals give the percentage.
    const scan = source.localPath !== undefined && !source.isVirtual ? new TotalsScan(source.localPath(''), ignore, ctx.signal) : undefined;
    const progress = progressListener(json, ctx.quiet || flag(p, 'quiet'), scan ? () => scan.totals() : undefined);
    if (progress.listener) scan?.start();
    try {
      await repo.loadIndex((name, e) => ctx.warn(`warning: index file ${name.slice(0, 12)} skipped: ${e.message}`));
      const writer = new RepoWriter(repo, { pool });
      adoptOrphanPacks(repo, writer);
      if (local) {
        files = new FilePool(repo, writer, workers);
        files.warmUp(); // loads while the snapshots are read
      }
      const snaps = await repo.listSnapshots((id, e) => ctx.warn(`warning: snapshot ${id.slice(0, 8)} skipped: ${e.message}`));
      // The parent is this host's (or --host's) last snapshot of the same source, never another machine's.
      const parent = [...snaps].reverse().find((s) => s.snapshot.source.location === source.location && s.snapshot.host === host);
      const rec = await backup(repo, writer, source, {
        tags: list(p, 'tag', true),
        ignore,
        filters,
        parent,
        host,
        user,
        program: `coffer/${VERSION}`,
        signal: ctx.signal,
        ...(files ? { files } : {}),
        ...(progress.listener ? { progress: progress.listener } : {}),
      });
      progress.done();
      const s = rec.snapshot.summary;
      for (const e of rec.snapshot.errors) ctx.warn(`warning: ${displayName(e.path)}: ${e.message}`);
      if (json) {
        const { time, host, user, tags, source: from, parent: parentId } = rec.snapshot;
        ctx.out(formatEvent({ type: 'summary', verb: 'backup', snapshot_id: rec.id, ...s, time, host, user, tags, source: from, parent: parentId }));
      } else {
        ctx.out(
          `snapshot ${rec.id.slice(0, 8)} saved: ${s.files} files (${s.newFiles} new, ${s.changedFiles} changed, ${s.unchangedFiles} unchanged), ` +
            `${s.dirs} dirs, ${bytes(s.bytes)} in ${duration(s.durationMs)}; added ${bytes(s.newBytes)} (${bytes(s.storedBytes)} stored)` +
            (s.errors ? `; ${s.errors} errors` : ''),
        );
      }
      if (flag(p, 'check')) {
        const r = await check(repo, { data: { kind: 'all' }, snapshots: [rec], signal: ctx.signal });
        const errors = r.issues.filter((i) => i.severity === 'error');
        for (const i of errors) ctx.warn(`error: ${i.message}`);
        if (errors.length) throw new CofferError(ErrorCode.CheckFailed, `check after backup found ${errors.length} problems`);
        if (!json) ctx.out(`check: snapshot ${rec.id.slice(0, 8)} verified (${r.files} files)`);
      }
      return s.errors > 0 ? 3 : 0;
    } finally {
      scan?.stop();
      progress.done();
      await files?.close();
      await pool.close();
      await lock.release();
      await source.close();
      await repo.backend.close();
    }
  },
};
