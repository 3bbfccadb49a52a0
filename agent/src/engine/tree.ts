/**
 * Directory trees. A tree is the sorted list of one directory's entries; it is stored
 * as a blob (JSON, compressed and encrypted like any blob) whose id is the keyed hash
 * of its bytes, so an unchanged directory encodes to the same id and costs nothing in
 * the next snapshot. In memory a name or symlink target is a string whose bytes that
 * are not UTF-8 are U+DC80..U+DCFF (raw-name.ts); format 2 stores such a name as its
 * bytes (`rawName`, `rawTarget`, docs/format.md §9), format 1 cannot store it at all.
 * Decoding refuses names that could escape a restore target, judged on their bytes.
 * Pure: no I/O.
 */
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { displayName, hasRawBytes, nameFromBytes, nameToBytes } from './raw-name.js';
import { type PartRef, splitParts } from './tree-parts.js';

/** What an entry is. `other` covers devices, fifos and sockets: recorded, not restored. */
export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

/** An extended attribute: name and base64 value. */
export interface Xattr {
  readonly name: string;
  readonly value: string;
}

/** One entry of a directory. Optional fields are absent when unknown. */
export interface TreeNode {
  /** The entry's name; bytes that are not UTF-8 are U+DC80..U+DCFF (raw-name.ts). */
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
  /** Symlinks: the target as read (raw bytes as U+DC80..U+DCFF, like names). */
  readonly target?: string;
  readonly xattrs?: readonly Xattr[];
  /** For `other`: fifo, socket, char-device, block-device. */
  readonly kind?: string;
}

/**
 * A directory's entries. Stored sorted by name: format 1 in UTF-16 code unit order (as
 * Array.sort), format 2 in the order of the names' bytes.
 */
export interface Tree {
  readonly nodes: readonly TreeNode[];
}

/** Format versions whose trees store raw-byte names (`rawName`, `rawTarget`). */
const RAW_NAMES_SINCE = 2;

/** Whether a node holds a name or target that format 1 cannot store (bytes that are not UTF-8). */
export function hasRawNames(n: TreeNode): boolean {
  return hasRawBytes(n.name) || (n.target !== undefined && hasRawBytes(n.target));
}

/** Whether trees of store format `version` can store names whose bytes are not UTF-8. */
export function storesRawNames(version: number): boolean {
  return version >= RAW_NAMES_SINCE;
}

/** The stored form of a node in format 2: `rawName`/`rawTarget` (base64) beside display forms. */
function storedNode(n: TreeNode): object {
  if (!hasRawNames(n)) return n;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n)) {
    if ((k === 'name' || k === 'target') && typeof v === 'string' && hasRawBytes(v)) {
      out[k] = displayName(v);
      out[k === 'name' ? 'rawName' : 'rawTarget'] = nameToBytes(v).toString('base64');
    } else {
      out[k] = v;
    }
  }
  return out;
}

/**
 * Serialises a tree deterministically for a store of format `version` (nodes sorted
 * by name). Format 1 cannot hold a name that is not UTF-8: such a node throws Config
 * (the archiver records them as errors before; sync refuses to copy them).
 */
export function encodeTree(tree: Tree, version: number): Buffer {
  if (!storesRawNames(version)) {
    const raw = tree.nodes.find(hasRawNames);
    if (raw) {
      throw new CofferError(
        ErrorCode.Config,
        `the name or link target of ${displayName(raw.name)} is not UTF-8 and store format ${version} cannot record it; use a store created by this coffer (format ${RAW_NAMES_SINCE})`,
      );
    }
    const nodes = [...tree.nodes].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return Buffer.from(JSON.stringify({ nodes }), 'utf8');
  }
  const keyed = tree.nodes.map((n) => ({ key: nameToBytes(n.name), n }));
  keyed.sort((a, b) => Buffer.compare(a.key, b.key));
  return Buffer.from(JSON.stringify({ nodes: keyed.map((k) => storedNode(k.n)) }), 'utf8');
}

/** Whether a name, as bytes, is safe to create inside a target folder. */
export function isSafeNameBytes(b: Uint8Array): boolean {
  if (b.length === 0 || b.includes(0x2f) || b.includes(0)) return false;
  return !(b[0] === 0x2e && (b.length === 1 || (b.length === 2 && b[1] === 0x2e)));
}

/** Whether a node name (internal string) is safe to create inside a target folder. */
export function isSafeName(name: string): boolean {
  return isSafeNameBytes(nameToBytes(name));
}

/** Strict base64 (what Buffer#toString('base64') writes), or undefined. */
function fromBase64(v: unknown): Buffer | undefined {
  if (typeof v !== 'string') return undefined;
  const b = Buffer.from(v, 'base64');
  return b.toString('base64') === v ? b : undefined;
}

/** A UTF-16 surrogate without its pair: never in a string decoded from UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** A stored name or target field of format 2 in its internal form, or undefined when malformed. */
function storedString(plain: unknown, raw: unknown): string | undefined {
  if (raw !== undefined) {
    const b = fromBase64(raw);
    return b && typeof plain === 'string' ? nameFromBytes(b) : undefined;
  }
  // A plain name is well-formed UTF-16, so it never aliases a raw one.
  return typeof plain === 'string' && !LONE_SURROGATE.test(plain) ? plain : undefined;
}

function unsafe(id: string, shown: unknown): CofferError {
  return new CofferError(
    ErrorCode.Corrupt,
    `tree ${id.slice(0, 12)} holds an unsafe name ${typeof shown === 'string' ? JSON.stringify(displayName(shown)) : JSON.stringify(shown)}; refusing it (a restore could escape its target)`,
  );
}

function badTarget(id: string, name: string): CofferError {
  return new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} holds a malformed link target for ${JSON.stringify(displayName(name))}`);
}

/** A stored node of format 2 in its internal form (`rawName`/`rawTarget` folded into `name`/`target`). */
function internalNode(n: Record<string, unknown>, id: string): TreeNode {
  if (n.rawName === undefined && n.rawTarget === undefined) {
    // The common case, kept as parsed: a well-formed string is safe by the format-1 rule on its code units.
    if (typeof n.name !== 'string' || LONE_SURROGATE.test(n.name) || !isSafeV1Name(n.name)) throw unsafe(id, n.name);
    if (n.target !== undefined && storedString(n.target, undefined) === undefined) throw badTarget(id, n.name);
    return n as unknown as TreeNode;
  }
  const name = storedString(n.name, n.rawName);
  if (name === undefined || !isSafeName(name)) throw unsafe(id, name ?? n.name);
  const { rawName: _n, rawTarget: _t, ...rest } = n;
  if (n.target === undefined && n.rawTarget === undefined) return { ...rest, name } as unknown as TreeNode;
  const target = storedString(n.target, n.rawTarget);
  if (target === undefined) throw badTarget(id, name);
  return { ...rest, name, target } as unknown as TreeNode;
}

/** A tree blob as stored: a folder's nodes, or (format 3, tree-parts.ts) the parts that hold them. */
export type StoredTree =
  | { readonly nodes: readonly TreeNode[]; readonly parts?: undefined }
  | { readonly nodes?: undefined; readonly parts: readonly PartRef[] };

/**
 * Parses a tree blob of a store of format `version`: its nodes, or the list of its
 * parts when it is split (format 3). Throws Corrupt when it is not a tree, and refuses
 * names that could escape a restore target (`..`, `/`, empty, NUL), so no caller can be
 * tricked by them. Format 1 trees are read as they always were.
 */
export function decodeStoredTree(b: Buffer, id: string, version: number): StoredTree {
  let obj: unknown;
  try {
    obj = JSON.parse(b.toString('utf8'));
  } catch {
    throw new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} is not valid JSON`);
  }
  const nodes = (obj as { nodes?: unknown }).nodes;
  if (nodes === undefined && typeof obj === 'object' && obj !== null && 'parts' in obj) return { parts: splitParts(obj, id, version) };
  if (!Array.isArray(nodes)) throw new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} has no node list`);
  if (storesRawNames(version)) {
    return {
      nodes: nodes.map((n: unknown) => {
        if (typeof n !== 'object' || n === null) throw new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} holds a node that is not an object`);
        return internalNode(n as Record<string, unknown>, id);
      }),
    };
  }
  for (const n of nodes as TreeNode[]) {
    if (typeof n.name !== 'string' || !isSafeV1Name(n.name)) throw unsafe(id, n.name);
  }
  return { nodes: nodes as TreeNode[] };
}

/** Parses a tree blob that must hold nodes (a part, or a tree of a store before format 3); see decodeStoredTree. */
export function decodeTree(b: Buffer, id: string, version: number): Tree {
  const t = decodeStoredTree(b, id, version);
  if (t.nodes === undefined) throw new CofferError(ErrorCode.Corrupt, `tree ${id.slice(0, 12)} is split into parts where a list of nodes belongs (a part is never split)`);
  return { nodes: t.nodes };
}

/** The check format 1 has always made, on the string. */
function isSafeV1Name(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** Own enumerable keys of `o` (for-in over plain parsed objects), counted without an array. */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

function sameValue(x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
  if (Array.isArray(x)) {
    if (!Array.isArray(y) || x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameValue(x[i], y[i])) return false;
    return true;
  }
  if (Array.isArray(y)) return false;
  const a = x as Record<string, unknown>;
  const b = y as Record<string, unknown>;
  for (const k in a) if (!Object.hasOwn(b, k) || !sameValue(a[k], b[k])) return false;
  return keyCount(a) === keyCount(b);
}

/**
 * Whether two nodes record the same thing: the same fields with equal values (arrays
 * and xattrs compared element by element, field order ignored). A folder whose nodes
 * are all the same as its parent tree's, and as many, is that tree.
 */
export function sameNode(a: TreeNode, b: TreeNode): boolean {
  return sameValue(a, b);
}
