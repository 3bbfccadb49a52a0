/**
 * A running operation's progress: phase, files and bytes done of the total, speed and errors,
 * with a <progress> bar, announced politely to screen readers.
 */
import type { JSX } from 'preact';
import type { Progress } from '../api/types.js';
import { bytes, count } from '../format.js';
import { ProgressBar } from './controls.js';

export function ProgressLine({ p, label }: { p: Progress | undefined; label: string }): JSX.Element {
  const total = p?.totalBytes ?? 0;
  return (
    <div class="progress" role="status" aria-live="polite">
      <ProgressBar value={p?.bytes ?? 0} max={total} label={label} />
      <span>
        {p?.phase ?? 'starting'}: {count(p?.files)}
        {p?.totalFiles ? ` of ${count(p.totalFiles)}` : ''} {p?.unit || 'files'}, {bytes(p?.bytes)}
        {total ? ` of ${bytes(total)}` : ''}
        {p?.bytesPerSecond ? `, ${bytes(p.bytesPerSecond)}/s` : ''}
        {p?.errors ? `, ${count(p.errors)} error(s)` : ''}
      </span>
    </div>
  );
}
