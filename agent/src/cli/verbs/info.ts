/** `coffer at <store> info [--json] [<snapshot>]` */
import { expectArgs, flag, parseArgs } from '../args.js';
import { openRepo } from '../context.js';
import { bytes, duration, localTime } from '../format.js';
import { displayName, jsonName } from '../names.js';
import { FILTER_FLAGS, filterOf, resolveRef } from '../snapshot-filter.js';
import type { Verb } from '../verb.js';

export const info: Verb = {
  name: 'info',
  usage: 'coffer at <store> info [--json] [--errors] [--host H] [--source S] [--tag T] [<snapshot>]',
  needsStore: true,
  flags: { json: 'bool', errors: 'bool', ...FILTER_FLAGS },
  async run(ctx, argv) {
    const p = parseArgs(argv, this.flags, 'info');
    expectArgs(p, 0, 1, this.usage);
    const json = flag(p, 'json');
    const repo = await openRepo(ctx);
    try {
      if (p.args.length === 1) {
        const { id, snapshot: s } = await resolveRef(repo, p.args[0] as string, await filterOf(p, ctx.env, true));
        if (json) {
          const errors = s.errors.map((e) => ({ ...e, ...jsonName('path', e.path) }));
          ctx.out(JSON.stringify({ id, ...s, root: { ...s.root, ...jsonName('name', s.root.name) }, errors }));
          return 0;
        }
        const sm = s.summary;
        const lines = [
          `Snapshot: ${id}`,
          `Time: ${localTime(s.time)} (${s.time})`,
          `Host: ${s.host}  User: ${s.user}`,
          `Source: ${s.source.type} ${s.source.location}`,
          `Tags: ${s.tags.join(', ') || '-'}`,
          `Parent: ${s.parent ?? '-'}`,
          `Files: ${sm.files} (${sm.newFiles} new, ${sm.changedFiles} changed, ${sm.unchangedFiles} unchanged)  Dirs: ${sm.dirs}  Symlinks: ${sm.symlinks}  Other: ${sm.others}`,
          `Size: ${bytes(sm.bytes)}  Added: ${bytes(sm.newBytes)} (stored ${bytes(sm.storedBytes)})`,
          `Duration: ${duration(sm.durationMs)}  Errors: ${sm.errors}`,
          `Program: ${s.program}`,
        ];
        for (const l of lines) ctx.out(l);
        if (flag(p, 'errors')) for (const e of s.errors) ctx.out(`error: ${displayName(e.path)}: ${e.message}`);
        return 0;
      }
      const c = repo.config;
      const packs = await repo.backend.list('data');
      const indexes = await repo.backend.list('index');
      const snaps = await repo.backend.list('snapshot');
      // Passphrase slots: the config's and the key files (key-slots.ts); none for a plaintext store.
      const keys = c.encryption ? 1 + (await repo.backend.list('key')).length : 0;
      const size = [...packs, ...indexes, ...snaps].reduce((a, f) => a + f.size, 0);
      const o = {
        location: repo.backend.location,
        id: c.id,
        version: c.version,
        created: c.created,
        encryption: c.encryption ? { aead: c.encryption.aead, kdf: { alg: c.encryption.kdf.alg, opslimit: c.encryption.kdf.opslimit, memlimit: c.encryption.kdf.memlimit } } : null,
        hashing: 'BLAKE3 (keyed)',
        chunking: { algorithm: 'FastCDC (keyed gear, normalized level 2)', ...c.chunker },
        compression: c.compression,
        pack_size: c.packSize,
        snapshots: snaps.length,
        packs: packs.length,
        index_files: indexes.length,
        keys,
        size,
      };
      if (json) {
        ctx.out(JSON.stringify(o));
        return 0;
      }
      ctx.out(`Location: ${o.location}`);
      ctx.out(`Store id: ${o.id}  Format version: ${o.version}  Created: ${localTime(o.created)}`);
      ctx.out(`Encryption: ${c.encryption ? `${c.encryption.aead}, master key wrapped with argon2id (t=${c.encryption.kdf.opslimit}, m=${bytes(c.encryption.kdf.memlimit)}), ${keys} passphrase${keys === 1 ? '' : 's'} ('key list')` : 'none (plaintext store)'}`);
      ctx.out(`Hashing: keyed BLAKE3-256`);
      ctx.out(`Chunking: FastCDC, keyed gear table, min ${bytes(c.chunker.min)} / avg ${bytes(c.chunker.avg)} / max ${bytes(c.chunker.max)}`);
      ctx.out(`Compression: ${c.compression ? `zstd level ${c.compression.level}` : 'none'}`);
      ctx.out(`Packfile size: ${bytes(c.packSize)}`);
      ctx.out(`Snapshots: ${o.snapshots}  Packs: ${o.packs}  Index files: ${o.index_files}  Size: ${bytes(size)}`);
      return 0;
    } finally {
      await repo.backend.close();
    }
  },
};
