/**
 * Restore's reading of one pack: the needed ranges (nearby blobs coalesced into one
 * read), decoded on the pack workers when there are some. A blob that cannot be read
 * or decoded yields the damage instead of its plaintext, so only the files that use
 * it fail; errors other than damage (I/O, network) are thrown.
 */
import { CofferError } from '@coffer/shared/errors.js';
import type { BlobLocation } from './master-index.js';
import { BlobType } from './pack.js';
import type { PackPool } from './pack-pool.js';
import type { Repository } from './repository.js';
import { isDamage } from './tree-walk.js';

const READ_GAP = 256 * 1024;

/** The blobs to read from one pack. */
export interface PackRead {
  readonly pack: string;
  readonly blobs: ReadonlyMap<string, { readonly loc: BlobLocation }>;
}

/** Resolves to the plaintexts by blob id, or to the damage that keeps a blob from being read. */
export async function readPackBlobs(repo: Repository, plan: PackRead, pool: PackPool | undefined): Promise<Map<string, Buffer | CofferError>> {
  const blobs = [...plan.blobs.entries()].sort((a, b) => a[1].loc.offset - b[1].loc.offset);
  const out = new Map<string, Buffer | CofferError>();
  const jobs: Promise<void>[] = [];
  let i = 0;
  while (i < blobs.length) {
    let j = i;
    const start = blobs[i]?.[1].loc.offset ?? 0;
    let end = start + (blobs[i]?.[1].loc.length ?? 0);
    while (j + 1 < blobs.length) {
      const next = blobs[j + 1]?.[1].loc;
      if (!next || next.offset - end > READ_GAP) break;
      end = Math.max(end, next.offset + next.length);
      j++;
    }
    const group = blobs.slice(i, j + 1).map(([id, { loc }]) => ({ type: loc.type, id, offset: loc.offset - start, length: loc.length }));
    i = j + 1;
    const load = async (): Promise<Buffer | undefined> => {
      try {
        return await repo.backend.load('data', plan.pack, { offset: start, length: end - start });
      } catch (err) {
        if (!isDamage(err)) throw err;
        // A truncated pack: the blobs before the cut are still readable, one by one.
        if (group.length > 1) await readOneByOne(repo, plan.pack, start, group, out);
        else for (const g of group) out.set(g.id, new CofferError(err.code, `pack ${plan.pack.slice(0, 12)} cannot be read (${err.message})`));
        return undefined;
      }
    };
    const decodeHere = (buf: Buffer): void => {
      for (const g of group) {
        try {
          out.set(g.id, repo.decodeBlob(BlobType.Data, g.id, buf.subarray(g.offset, g.offset + g.length), plan.pack));
        } catch (err) {
          if (!isDamage(err)) throw err;
          out.set(g.id, err);
        }
      }
    };
    const buf = await load();
    if (!buf) continue;
    if (pool) {
      jobs.push(
        pool.decode(plan.pack, buf, group).then(async (r) => {
          if (r.error === undefined) return group.forEach((g, k) => out.set(g.id, Buffer.from(r.data[k] as ArrayBuffer)));
          // Damage: the buffer went to the worker; read it again to find out which blobs are damaged.
          const again = await load();
          if (again) decodeHere(again);
        }),
      );
    } else decodeHere(buf);
  }
  await Promise.all(jobs);
  return out;
}

/** Reads and decodes each blob of `group` (offsets relative to `start`) on its own. */
async function readOneByOne(
  repo: Repository,
  pack: string,
  start: number,
  group: readonly { id: string; offset: number; length: number }[],
  out: Map<string, Buffer | CofferError>,
): Promise<void> {
  for (const g of group) {
    try {
      const stored = await repo.backend.load('data', pack, { offset: start + g.offset, length: g.length });
      out.set(g.id, repo.decodeBlob(BlobType.Data, g.id, stored, pack));
    } catch (err) {
      if (!isDamage(err)) throw err;
      out.set(g.id, err);
    }
  }
}
