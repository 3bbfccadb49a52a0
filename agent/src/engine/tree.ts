/**
 * Directory trees. A tree is the sorted list of one directory's entries; it is stored
 * as a blob (JSON, compressed and encrypted like any blob) whose id is the keyed hash
 * of its bytes, so an unchanged directory encodes to the same id and costs nothing in
 * the next snapshot. Pure: no I/O.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** What an entry is. `other` covers devices, fifos and sockets: recorded, not restored. */
export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

/** An extended attribute: name and base64 value. */
export interface Xattr {
  readonly name: string;
  readonly value: string;
}

/** One entry of a directory. Optional fields are absent when unknown. */
export interface TreeNode {
  readonly name: string;
  readonly type: NodeType;
  /** Permission bits including setuid, setgid and sticky (mode & 0o7777). */
  readonly mode: number;
  /** Modification time, nanoseconds since the epoch, decimal. */
  readonly mtime: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly user?: string;
  readonly group?: string;
  /** Change time (ns, decimal) and inode/device/link count: change detection and hardlinks. */
  readonly ctime?: string;
  readonly inode?: string;
  readonly dev?: string;
  readonly links?: number;
  /** Files: size in bytes and the ids (hex) of its chunks, in order. */
  readonly size?: number;
  readonly content?: readonly string[];
  /** Directories: id (hex) of the tree of its entries. */
  readonly subtree?: string;
  /** Symlinks: the target as read. */
  readonly target?: string;
  readonly xattrs?: readonly Xattr[];
  /** For `other`: fifo, socket, char-device, block-device. */
  readonly kind?: string;
}

/** A directory's entries, sorted by name (UTF-16 code unit order, as Array.sort). */
export interface Tree {
  readonly nodes: readonly TreeNode[];
}

/** Serialises a tree deterministically (nodes sorted by name). */
export function encodeTree(tree: Tree): Buffer {
  const nodes = [...tree.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return Buffer.from(JSON.stringify({ nodes }), 'utf8');
}

/** Whether a node name is safe to create inside a target folder. */
export function isSafeName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/**
 * Parses a tree; throws Corrupt when it is not a tree, and refuses names that could
 * escape a restore target (`..`, `/`, empty) so no caller can be tricked by them.
 */
export function decodeTree(b: Buffer, id: string): Tree {
  let obj: unknown;
  try {
    obj = JSON.parse(b.toString('utf8'));
  } catch {
    throw new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} is not valid JSON`);
  }
  const nodes = (obj as { nodes?: unknown }).nodes;
  if (!Array.isArray(nodes)) throw new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} has no node list`);
  for (const n of nodes as TreeNode[]) {
    if (typeof n.name !== 'string' || !isSafeName(n.name)) {
      throw new CofferError(
        ErrorCode.Corrupt,
        `tree ${id.slice(0, 12)} holds an unsafe name ${JSON.stringify(n.name)}; refusing it (a restore could escape its target)`,
      );
    }
  }
  return { nodes: nodes as TreeNode[] };
}
