/**
 * `repair index`: rebuilds the index from the packs themselves. Every pack whose
 * header can be read is indexed from it; a pack whose header is damaged keeps the
 * entries a readable index file gives it; condemnations recorded in readable index
 * files are kept for packs that still exist. Order, for crash safety: the new
 * consolidated index is saved first, then the old index files are removed, so a
 * crash leaves a valid store. The caller holds an exclusive lock.
 */
import { decodeIndexFull, encodeIndex, INDEX_AAD, type Condemned, type IndexedPack } from './index-file.js';
import { readPackHeader } from './pack-header.js';
import type { Repository } from './repository.js';
import { isDamage } from './tree-walk.js';

/** What `repair index` did. */
export interface IndexRepair {
  /** Packs in the new index. */
  packs: number;
  /** Packs indexed from an old index file because their own header is damaged. */
  fromOldIndex: string[];
  /** Packs left out: header damaged and no readable index file names them. */
  unreadable: string[];
  /** Old index files that could not be read. */
  damagedIndexFiles: string[];
  /** Old index files removed. */
  removed: number;
  /** Name of the new index file. */
  indexFile: string;
}

/** Rebuilds the index (leaving out the packs in `exclude`); `log` hears one line per problem found. */
export async function repairIndex(repo: Repository, log: (line: string) => void = () => undefined, exclude: ReadonlySet<string> = new Set()): Promise<IndexRepair> {
  const res: IndexRepair = { packs: 0, fromOldIndex: [], unreadable: [], damagedIndexFiles: [], removed: 0, indexFile: '' };
  const oldNames = (await repo.backend.list('index')).map((f) => f.name);
  const known = new Map<string, IndexedPack>();
  const condemned = new Map<string, number>();
  for (const name of oldNames) {
    try {
      const full = decodeIndexFull(await repo.loadFile('index', name, INDEX_AAD));
      for (const p of full.packs) if (!known.has(p.pack)) known.set(p.pack, p);
      for (const c of full.condemned) condemned.set(c.pack, Math.min(c.since, condemned.get(c.pack) ?? Infinity));
    } catch (err) {
      if (!isDamage(err)) throw err;
      res.damagedIndexFiles.push(name);
      log(`${err.message}; it is replaced`);
    }
  }
  const packs: IndexedPack[] = [];
  for (const f of await repo.backend.list('data')) {
    if (exclude.has(f.name)) continue;
    try {
      packs.push({ pack: f.name, entries: await readPackHeader(repo, f.name, f.size) });
    } catch (err) {
      if (!isDamage(err)) throw err;
      const old = known.get(f.name);
      if (old) {
        packs.push(old);
        res.fromOldIndex.push(f.name);
        log(`${err.message}; kept the entries an index file lists for it`);
      } else {
        res.unreadable.push(f.name);
        log(`${err.message}; no index lists it, left out (maintenance removes it)`);
      }
    }
  }
  const present = new Set(packs.map((p) => p.pack));
  const keptCondemned: Condemned[] = [...condemned].filter(([pack]) => present.has(pack)).map(([pack, since]) => ({ pack, since }));
  res.packs = packs.length;
  res.indexFile = await repo.saveFile('index', encodeIndex(packs, keptCondemned), INDEX_AAD);
  for (const name of oldNames) {
    if (name === res.indexFile) continue;
    await repo.backend.remove('index', name);
    res.removed++;
  }
  return res;
}
