/**
 * Progress reporting shared by backup, restore and check: counters the engine
 * updates and any number of listeners (CLI bar, JSON lines, agent stream) read.
 */

/** A snapshot of progress. Totals are 0 when not (yet) known. */
export interface Progress {
  readonly phase: string;
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
  errors: number;
  current: string;
  /** What `files` and `totalFiles` count when not files: a check counts the pack files it reads. */
  unit?: 'packs';
}

/** Receives progress; called often, must be cheap. */
export type ProgressListener = (p: Readonly<Progress>) => void;

/** Creates a progress record for a phase. */
export function newProgress(phase: string): Progress {
  return { phase, files: 0, totalFiles: 0, bytes: 0, totalBytes: 0, errors: 0, current: '' };
}
