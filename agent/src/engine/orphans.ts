/**
 * Packs no index names are left by interrupted backups (killed between saving packs
 * and writing their index), or named only by a damaged index file. Repository.loadIndex
 * re-indexes them from their headers in memory; adopting them puts them in the
 * current writer's session, so the next backup writes them into an index file and
 * reuses what was uploaded.
 */
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';

/** Indexes (in `writer`'s next index file) every pack loadIndex found unindexed; returns how many. */
export function adoptOrphanPacks(repo: Repository, writer: RepoWriter): number {
  for (const p of repo.orphanPacks) writer.adopt(p);
  return repo.orphanPacks.length;
}
