/**
 * Reading one pack's own header (its last bytes), independent of any index file:
 * how orphan packs are adopted and how `repair index` rebuilds the index. Throws
 * (Corrupt or a storage error) when the trailer or the header is damaged.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { decode, DecodeError } from './codec.js';
import { decodeHeader, HEADER_AAD, headerRange, type PackEntry } from './pack.js';
import type { Repository } from './repository.js';

/** The entries of pack `name` (of `size` bytes) as its header lists them. */
export async function readPackHeader(repo: Repository, name: string, size: number): Promise<PackEntry[]> {
  try {
    if (size < 12) throw new DecodeError('pack is too short');
    const tail = await repo.backend.load('data', name, { offset: size - 4, length: 4 });
    const header = await repo.backend.load('data', name, headerRange(tail, size));
    const entries = decodeHeader(decode(repo.codec, header, HEADER_AAD));
    for (const e of entries) if (e.offset + e.length > size) throw new DecodeError('pack header names bytes beyond the end of the pack');
    return entries;
  } catch (err) {
    if (err instanceof DecodeError) throw new CofferError(ErrorCode.Corrupt, `pack ${name.slice(0, 12)} has a damaged header (${err.message})`);
    throw err;
  }
}
