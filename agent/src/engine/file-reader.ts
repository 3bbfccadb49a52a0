/** Streams a file's content out of a snapshot, chunk by chunk, in order. */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { BlobType } from './pack.js';
import type { Repository } from './repository.js';
import type { TreeNode } from './tree.js';

/** Yields the plaintext chunks of a file node. */
export async function* fileChunks(repo: Repository, node: TreeNode, path: string): AsyncGenerator<Buffer> {
  if (node.type !== 'file') throw new CofferError(ErrorCode.Usage, `'${path}' is a ${node.type}, not a file`);
  for (const id of node.content ?? []) yield await repo.loadBlob(BlobType.Data, id);
}
