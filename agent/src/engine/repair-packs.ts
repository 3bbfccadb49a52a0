/**
 * `repair packs`: salvages damaged packs. Every indexed pack is read whole; one whose
 * content does not match its name is damaged: each of its blobs that still decodes
 * (and that the index finds in it) is copied, as stored, into a new pack; then the
 * index is rebuilt without the damaged packs (repair-index.ts), and only then are
 * they deleted, so a crash at any point leaves a valid store. The blobs that did not
 * decode are lost: `repair snapshots` then removes what needs them. The caller holds
 * an exclusive lock and has loaded the index. Packs are read twice (once to find the
 * damaged ones, once to salvage them), so that no pack is held while others are read;
 * the full ids of a damaged pack's blobs come from the index files and re-indexed
 * headers (the master index keys blobs by a 16-byte prefix).
 */
import { BlobType, type PackEntry } from './pack.js';
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

/** A pack's whole content, or an empty buffer when the store says it is damaged. */
async function loadPack(repo: Repository, name: string): Promise<Buffer> {
  try {
    return await repo.backend.load('data', name);
  } catch (err) {
    if (!isDamage(err)) throw err;
    return Buffer.alloc(0);
  }
}

/**
 * The entries (with full ids) that readable index files and the re-indexed headers of
 * unindexed packs give the packs in `packs`: the master index keys blobs by a prefix.
 */
async function entriesOf(repo: Repository, packs: ReadonlySet<string>): Promise<Map<string, PackEntry[]>> {
  const out = new Map<string, PackEntry[]>();
  const take = (pack: string, entries: readonly PackEntry[]): void => {
    if (!packs.has(pack)) return;
    let list = out.get(pack);
    if (!list) out.set(pack, (list = []));
    list.push(...entries);
  };
  for (const f of await repo.backend.list('index')) {
    try {
      for (const p of await repo.readIndexFile(f.name)) take(p.pack, p.entries);
    } catch (err) {
      if (!isDamage(err)) throw err; // damaged or gone: loadIndex reported it
    }
  }
  for (const p of repo.orphanPacks) take(p.pack, p.entries);
  return out;
}

/** Salvages every damaged pack; `log` hears one line per damaged pack. */
export async function repairPacks(repo: Repository, writer: RepoWriter, log: (line: string) => void = () => undefined): Promise<PackRepair> {
  const res: PackRepair = { damaged: [], salvaged: 0, lost: 0 };
  for (const f of await repo.backend.list('data')) {
    if (!repo.index.hasPack(f.name)) continue; // unindexed and unreadable: maintenance removes it
    const file = await loadPack(repo, f.name);
    if (!repo.idOf(file).equals(Buffer.from(f.name, 'hex'))) res.damaged.push(f.name);
  }
  if (res.damaged.length === 0) return res;
  const entries = await entriesOf(repo, new Set(res.damaged));
  for (const name of res.damaged) {
    const file = await loadPack(repo, name);
    const seen = new Set<string>();
    let salvaged = 0;
    for (const e of entries.get(name) ?? []) {
      const id = e.id.toString('hex');
      const loc = repo.index.get(e.id);
      if (seen.has(id) || loc?.pack !== name) continue; // the index finds it elsewhere
      seen.add(id);
      const stored = loc.offset + loc.length <= file.length ? file.subarray(loc.offset, loc.offset + loc.length) : undefined;
      try {
        if (!stored) throw new Error('truncated');
        repo.decodeBlob(loc.type, id, stored, name);
      } catch {
        res.lost++;
        continue;
      }
      await writer.addEncoded(loc.type === BlobType.Tree ? BlobType.Tree : BlobType.Data, e.id, Buffer.from(stored), loc.rawLength, true);
      salvaged++;
    }
    res.salvaged += salvaged;
    log(`pack ${name.slice(0, 12)} is damaged: ${salvaged} of ${seen.size} blobs salvaged`);
  }
  await writer.flush();
  const gone = new Set(res.damaged);
  await repairIndex(repo, log, gone);
  for (const name of gone) await repo.backend.remove('data', name);
  return res;
}
