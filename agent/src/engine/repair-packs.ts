/**
 * `repair packs`: salvages damaged packs. Every indexed pack is read whole; one whose
 * content does not match its name is damaged: each of its blobs that still decodes
 * (and that the index finds in it) is copied, as stored, into a new pack; then the
 * index is rebuilt without the damaged packs (repair-index.ts), and only then are
 * they deleted, so a crash at any point leaves a valid store. The blobs that did not
 * decode are lost: `repair snapshots` then removes what needs them. The caller holds
 * an exclusive lock and has loaded the index.
 */
import { BlobType } from './pack.js';
import { repairIndex } from './repair-index.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';
import { isDamage } from './tree-walk.js';

/** What `repair packs` did. */
export interface PackRepair {
  /** Damaged packs found (and deleted). */
  damaged: string[];
  /** Blobs copied out of them. */
  salvaged: number;
  /** Blobs that could not be read. */
  lost: number;
}

/** Salvages every damaged pack; `log` hears one line per damaged pack. */
export async function repairPacks(repo: Repository, writer: RepoWriter, log: (line: string) => void = () => undefined): Promise<PackRepair> {
  const res: PackRepair = { damaged: [], salvaged: 0, lost: 0 };
  const byPack = new Map<string, [string, { type: BlobType; offset: number; length: number; rawLength: number }][]>();
  for (const [id, loc] of repo.index.entries()) {
    let list = byPack.get(loc.pack);
    if (!list) byPack.set(loc.pack, (list = []));
    list.push([id, loc]);
  }
  for (const f of await repo.backend.list('data')) {
    const blobs = byPack.get(f.name);
    if (!blobs) continue; // unindexed and unreadable: maintenance removes it
    let file: Buffer;
    try {
      file = await repo.backend.load('data', f.name);
    } catch (err) {
      if (!isDamage(err)) throw err;
      file = Buffer.alloc(0);
    }
    if (repo.idOf(file).equals(Buffer.from(f.name, 'hex'))) continue;
    res.damaged.push(f.name);
    let salvaged = 0;
    for (const [id, loc] of blobs) {
      const stored = loc.offset + loc.length <= file.length ? file.subarray(loc.offset, loc.offset + loc.length) : undefined;
      try {
        if (!stored) throw new Error('truncated');
        repo.decodeBlob(loc.type, id, stored, f.name);
      } catch {
        res.lost++;
        continue;
      }
      await writer.addEncoded(loc.type === BlobType.Tree ? BlobType.Tree : BlobType.Data, Buffer.from(id, 'hex'), Buffer.from(stored), loc.rawLength, true);
      salvaged++;
    }
    res.salvaged += salvaged;
    log(`pack ${f.name.slice(0, 12)} is damaged: ${salvaged} of ${blobs.length} blobs salvaged`);
  }
  if (res.damaged.length === 0) return res;
  await writer.flush();
  const gone = new Set(res.damaged);
  await repairIndex(repo, log, gone);
  for (const name of gone) await repo.backend.remove('data', name);
  return res;
}
