/**
 * One human line from a step's summary event, kept in the job's log (so `job logs` of a
 * successful job says what it did), and the count of entries a step with warnings (exit
 * 3) left out, for its warning. Pure.
 */
import type { SummaryEvent } from './events.js';

const num = (e: Record<string, unknown>, k: string): number => { const v = e[k]; return typeof v === 'number' ? v : 0; };

/** `backup: snapshot 1a2b3c4d, 120 files (3 new, 1 changed), 4 dirs, 1048576 bytes added, 0 errors`, etc. */
export function summaryLine(s: SummaryEvent): string {
  const e = s as unknown as Record<string, unknown>;
  switch (s.verb) {
    case 'backup':
      return `backup: snapshot ${typeof e.snapshot_id === 'string' ? e.snapshot_id.slice(0, 8) : '?'}, ${num(e, 'files')} files (${num(e, 'newFiles')} new, ${num(e, 'changedFiles')} changed), ${num(e, 'dirs')} dirs, ${num(e, 'newBytes')} bytes added, ${num(e, 'errors')} errors`;
    case 'restore':
      return `restore: ${num(e, 'files')} files, ${num(e, 'dirs')} dirs, ${num(e, 'symlinks')} symlinks, ${num(e, 'bytes')} bytes; ${num(e, 'failed')} not restored, ${num(e, 'skipped')} skipped`;
    default: {
      const fields = Object.entries(e).filter(([k, v]) => typeof v === 'number' && k !== 'durationMs').map(([k, v]) => `${k} ${String(v)}`);
      return `${s.verb}: ${fields.join(', ') || 'done'}`;
    }
  }
}

/** What a step that ended with warnings left out, in words, or undefined when its summary does not say. */
export function leftOut(s: SummaryEvent | undefined): string | undefined {
  if (!s) return undefined;
  const e = s as unknown as Record<string, unknown>;
  if (s.verb === 'backup') return `${num(e, 'errors')} entries could not be backed up`;
  if (s.verb === 'restore') return `${num(e, 'failed')} files not restored, ${num(e, 'skipped')} skipped`;
  return undefined;
}
