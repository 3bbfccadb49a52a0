/**
 * One-line descriptions of a job for lists: what it works on ("web1 → main",
 * "main (fast)", "main 1a2b3c4d:etc → scratch") and how far it is
 * ("upload, 42 %, 1.2 GiB of 2.8 GiB, 3 files").
 */
import { bytes } from '../../../src/format.js';
import type { Job, Progress } from './wire.js';

/** The source, store, snapshot and destination a job names. */
export function jobTarget(job: Job): string {
  const s = job.spec ?? {};
  if (s.backup) return `${s.backup.source ?? ''} → ${s.backup.store ?? ''}`;
  if (s.restore) {
    const r = s.restore;
    const paths = r.paths && r.paths.length > 0 ? r.paths.join(', ') : (r.path ?? '');
    return `${r.store ?? ''} ${(r.snapshot ?? '').slice(0, 8)}${paths ? `:${paths}` : ''} → ${r.destination ?? ''}`;
  }
  if (s.verify) return `${s.verify.store ?? ''}${s.verify.fast ? ' (fast)' : s.verify.readDataSubset ? ` (${s.verify.readDataSubset})` : ''}`;
  if (s.forget) return `${s.forget.store ?? ''}${s.forget.source ? ` (${s.forget.source})` : ''}`;
  return '';
}

/** Progress in words; '' when there is none. */
export function progressText(p: Progress | undefined): string {
  if (!p || (!p.phase && !p.bytes && !p.files)) return '';
  const parts: string[] = [];
  if (p.phase) parts.push(p.phase);
  const b = p.bytes ?? 0;
  if (p.totalBytes) parts.push(`${Math.floor((100 * b) / p.totalBytes)} %, ${bytes(b)} of ${bytes(p.totalBytes)}`);
  else if (b > 0) parts.push(bytes(b));
  if (p.files) parts.push(`${p.files}${p.totalFiles ? ` of ${p.totalFiles}` : ''} files`);
  if (p.bytesPerSecond) parts.push(`${bytes(Math.round(p.bytesPerSecond))}/s`);
  if (p.errors) parts.push(`${p.errors} errors`);
  return parts.join(', ');
}

/** The share done (0..1), or undefined when the total is unknown. */
export function progressShare(p: Progress | undefined): number | undefined {
  if (p?.totalBytes) return Math.min(1, (p.bytes ?? 0) / p.totalBytes);
  if (p?.totalFiles) return Math.min(1, (p.files ?? 0) / p.totalFiles);
  return undefined;
}
