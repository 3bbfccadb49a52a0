/**
 * One-line descriptions of a job for lists: what it works on ("web1 → main",
 * "verify main", "restore 1a2b3c4d of main → scratch") and how far it is
 * ("upload 42 %, 1.2 GiB of 2.8 GiB, 3 files").
 */
import { bytes } from '../../../src/format.js';
import type { Progress } from '../../../src/gen/coffer/v1/common.js';
import type { Job } from '../../../src/gen/coffer/v1/controller.js';

/** The source, store, snapshot and destination a job names. */
export function jobTarget(job: Job): string {
  const s = job.spec?.spec;
  if (!s) return '';
  switch (s.$case) {
    case 'backup':
      return `${s.value.source} → ${s.value.store}`;
    case 'restore': {
      const paths = s.value.paths.length > 0 ? s.value.paths.join(', ') : s.value.path;
      return `${s.value.store} ${s.value.snapshot.slice(0, 8)}${paths ? `:${paths}` : ''} → ${s.value.destination}`;
    }
    case 'verify':
      return `${s.value.store}${s.value.fast ? ' (fast)' : s.value.readDataSubset ? ` (${s.value.readDataSubset})` : ''}`;
    case 'forget':
      return `${s.value.store}${s.value.source ? ` (${s.value.source})` : ''}`;
  }
}

/** The source a job concerns, or ''. */
export function jobSource(job: Job): string {
  const s = job.spec?.spec;
  return s?.$case === 'backup' || s?.$case === 'forget' ? s.value.source : '';
}

/** Progress in words; '' when there is none. */
export function progressText(p: Progress | undefined): string {
  if (!p || (!p.phase && !p.bytes && !p.files)) return '';
  const parts: string[] = [];
  if (p.phase) parts.push(p.phase);
  if (p.totalBytes > 0) parts.push(`${Math.floor((100 * p.bytes) / p.totalBytes)} %, ${bytes(p.bytes)} of ${bytes(p.totalBytes)}`);
  else if (p.bytes > 0) parts.push(bytes(p.bytes));
  if (p.files > 0) parts.push(`${p.files}${p.totalFiles > 0 ? ` of ${p.totalFiles}` : ''} files`);
  if (p.bytesPerSecond > 0) parts.push(`${bytes(Math.round(p.bytesPerSecond))}/s`);
  if (p.errors > 0) parts.push(`${p.errors} errors`);
  return parts.join(', ');
}

/** The share done (0..1), or undefined when the total is unknown. */
export function progressShare(p: Progress | undefined): number | undefined {
  if (!p) return undefined;
  if (p.totalBytes > 0) return Math.min(1, p.bytes / p.totalBytes);
  if (p.totalFiles > 0) return Math.min(1, p.files / p.totalFiles);
  return undefined;
}
