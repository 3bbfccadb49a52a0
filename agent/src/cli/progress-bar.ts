/**
 * Progress display: a one-line bar on a terminal (stderr), JSON status lines with
 * --json (stdout), nothing otherwise. At most 10 updates a second.
 */
import { formatEvent } from '@coffer/shared/events.js';
import type { Progress, ProgressListener } from '../engine/progress.js';
import { bytes, duration } from './format.js';
import { displayName } from './names.js';

/** Totals known better than the engine's (a scan of the source: scan-totals.ts). */
export type TotalsSource = () => { readonly files: number; readonly bytes: number } | undefined;

/** The progress with the totals of `totals` when it has them. */
function withTotals(p: Readonly<Progress>, totals: TotalsSource | undefined): Readonly<Progress> {
  const t = totals?.();
  return t ? { ...p, totalFiles: t.files, totalBytes: t.bytes } : p;
}

/**
 * Creates a listener for the current output mode; `totals` (optional) gives the totals
 * once they are known, in place of the engine's estimate. A percentage and an ETA are
 * shown whenever a total is known.
 */
export function progressListener(json: boolean, quiet: boolean, totals?: TotalsSource): { listener: ProgressListener | undefined; done: () => void } {
  const start = Date.now();
  let last = 0;
  if (json) {
    return {
      listener: (raw: Readonly<Progress>): void => {
        const p = withTotals(raw, totals);
        const now = Date.now();
        if (now - last < 1000 && p.phase !== 'done') return;
        last = now;
        const secs = (now - start) / 1000;
        process.stdout.write(
          formatEvent({
            type: 'status',
            phase: p.phase,
            ...(p.unit === 'packs' ? { packs: p.files, total_packs: p.totalFiles } : { files: p.files, total_files: p.totalFiles }),
            bytes: p.bytes,
            total_bytes: p.totalBytes,
            errors: p.errors,
            seconds_elapsed: Math.round(secs),
            percent_done: p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : undefined,
          }) + '\n',
        );
      },
      done: () => undefined,
    };
  }
  if (quiet || !process.stderr.isTTY) return { listener: undefined, done: () => undefined };
  let drawn = false;
  const draw = (raw: Readonly<Progress>): void => {
    const p = withTotals(raw, totals);
    const now = Date.now();
    if (now - last < 100 && p.phase !== 'done') return;
    last = now;
    const secs = Math.max(0.001, (now - start) / 1000);
    const rate = p.bytes / secs;
    const width = Math.max(20, (process.stderr.columns || 80) - 1);
    let bar = '';
    let eta = '';
    if (p.totalBytes > 0) {
      const frac = Math.min(1, p.bytes / p.totalBytes);
      const n = 20;
      bar = `[${'#'.repeat(Math.round(frac * n)).padEnd(n, '.')}] ${(frac * 100).toFixed(0).padStart(3)}% `;
      if (rate > 0 && frac < 1) eta = ` ETA ${duration(((p.totalBytes - p.bytes) / rate) * 1000)}`;
    }
    const files = p.totalFiles > 0 ? `${p.files}/${p.totalFiles}` : `${p.files}`;
    const line = `${bar}${files} ${p.unit ?? 'files'} ${bytes(p.bytes)} ${bytes(rate)}/s${eta}${p.errors ? ` ${p.errors} errors` : ''} ${displayName(p.current)}`;
    process.stderr.write(`\r${line.slice(0, width).padEnd(width)}`);
    drawn = true;
  };
  return {
    listener: draw,
    done: () => {
      if (drawn) process.stderr.write(`\r${' '.repeat(Math.max(20, (process.stderr.columns || 80) - 1))}\r`);
    },
  };
}
