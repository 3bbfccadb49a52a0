/**
 * Packs no index names are left by interrupted backups (killed between saving packs
 * and writing their index). Adopting them reads their headers and indexes them in the
 * current writer's session, so the next backup reuses what was uploaded.
 */
import { decode } from './codec.js';
import { decodeHeader, HEADER_AAD, headerRange } from './pack.js';
import type { RepoWriter } from './repo-writer.js';
import type { Repository } from './repository.js';

/** Indexes every pack that no index file names; returns how many. Unreadable packs are skipped. */
export async function adoptOrphanPacks(repo: Repository, writer: RepoWriter): Promise<number> {
  let n = 0;
  for (const f of await repo.backend.list('data')) {
    if (repo.index.hasPack(f.name)) continue;
    try {
      const tail = await repo.backend.load('data', f.name, { offset: f.size - 4, length: 4 });
      const r = headerRange(tail, f.size);
      const header = await repo.backend.load('data', f.name, r);
      const entries = decodeHeader(decode(repo.codec, header, HEADER_AAD));
      writer.adopt({ pack: f.name, entries });
      n++;
    } catch {
      // a damaged orphan is left for check and maintenance to report and remove
    }
  }
  return n;
}
