/**
 * The tree every Source and Destination conformance run uses: files, folders, modes,
 * mtimes (whole seconds: SFTP v3 carries no more), symlinks (relative, absolute,
 * dangling), empty files, a large file and names with spaces and non-ASCII letters;
 * and what a connector's server keeps, so a run compares only that.
 */
import { randomBytes } from 'node:crypto';
import type { TreeSpec } from '../helpers/tree.js';

/** What a place can keep; a run against a server that keeps less compares less. */
export interface Keeps {
  readonly symlinks: boolean;
  readonly modes: boolean;
  readonly mtimes: boolean;
  readonly dirMtimes: boolean;
}

export const KEEPS_ALL: Keeps = { symlinks: true, modes: true, mtimes: true, dirMtimes: true };

/** Size of the large file: several requests of every SFTP implementation, with a partial last one. */
export const LARGE = 5 * 1024 * 1024 + 12_345;

const T = 1_600_000_000;

/** A fresh copy of the tree (the large file's content is random each time). */
export function connectorTree(keeps: Keeps): TreeSpec {
  const links: TreeSpec = keeps.symlinks
    ? {
        'link to file': { type: 'symlink', target: 'plain.txt' },
        'link into dir': { type: 'symlink', target: 'folder one/inner.txt' },
        'absolute link': { type: 'symlink', target: '/etc/hostname' },
        dangling: { type: 'symlink', target: 'nowhere/at all' },
      }
    : {};
  return {
    'plain.txt': { type: 'file', content: 'plain text\n', mode: 0o644, mtime: T },
    'empty file': { type: 'file', content: '', mode: 0o600, mtime: T + 1 },
    'script.sh': { type: 'file', content: '#!/bin/sh\necho hi\n', mode: 0o755, mtime: T + 2 },
    'large.bin': { type: 'file', content: randomBytes(LARGE), mode: 0o640, mtime: T + 3 },
    'ünïcödé – naïve 文件.txt': { type: 'file', content: 'unicode\n', mode: 0o644, mtime: T + 4 },
    'folder one': {
      type: 'dir',
      mode: 0o750,
      mtime: T + 10,
      children: {
        'inner.txt': { type: 'file', content: 'inner\n', mode: 0o644, mtime: T + 5 },
        'empty dir': { type: 'dir', mode: 0o755, mtime: T + 6 },
        deeper: { type: 'dir', mode: 0o700, mtime: T + 7, children: { 'deep file': { type: 'file', content: 'deep\n', mode: 0o600, mtime: T + 8 } } },
      },
    },
    ...links,
  };
}
