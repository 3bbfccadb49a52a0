/**
 * The size of a local backup before the backup has read it: a walk of the source folder
 * beside the backup (as restic's scanner), counting the files and bytes the backup will
 * read (the same ignore rules; symbolic links not followed), so the progress line can
 * show a percentage and an ETA on a first backup too. Guarantees: only metadata is read;
 * the walk stops when stopped, on the run's signal, or after MAX_ENTRIES entries (then
 * no total is given); an unreadable folder is skipped (the backup reports it); totals
 * are given only once the walk finished.
 */
import { type Dirent, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { IgnoreMatcher } from '../engine/ignore-rules.js';

/** Entries at most, beyond which the walk gives up (no total). */
const MAX_ENTRIES = 20_000_000;
/** lstat calls in flight. */
const STAT_BATCH = 32;

/** Files and bytes of a source. */
export interface Totals {
  readonly files: number;
  readonly bytes: number;
}

/** A walk counting what a backup of `root` will read. */
export class TotalsScan {
  private files = 0;
  private bytes = 0;
  private entries = 0;
  private finished = false;
  private stopped = false;

  constructor(
    private readonly root: string,
    private readonly ignore: IgnoreMatcher,
    private readonly signal?: AbortSignal,
  ) {}

  /** Starts the walk in the background; never rejects. */
  start(): void {
    this.walk().then(
      (complete) => (this.finished = complete),
      () => (this.finished = false),
    );
  }

  /** Stops the walk (idempotent). */
  stop(): void {
    this.stopped = true;
  }

  /** The totals once the walk finished, else undefined. */
  totals(): Totals | undefined {
    return this.finished ? { files: this.files, bytes: this.bytes } : undefined;
  }

  private halted(): boolean {
    return this.stopped || this.signal?.aborted === true || this.entries > MAX_ENTRIES;
  }

  private async walk(): Promise<boolean> {
    const top = await fsp.lstat(this.root);
    if (!top.isDirectory()) {
      if (top.isFile()) ({ files: this.files, bytes: this.bytes } = { files: 1, bytes: top.size });
      return true;
    }
    const stack = [''];
    while (stack.length > 0) {
      if (this.halted()) return false;
      const rel = stack.pop() as string;
      let names: Dirent[];
      try {
        names = await fsp.readdir(path.join(this.root, rel), { withFileTypes: true });
      } catch {
        continue;
      }
      const files: string[] = [];
      for (const d of names) {
        this.entries++;
        const child = rel === '' ? d.name : `${rel}/${d.name}`;
        if (this.ignore(child, d.isDirectory())) continue;
        if (d.isDirectory()) stack.push(child);
        else if (d.isFile()) files.push(child);
      }
      for (let i = 0; i < files.length; i += STAT_BATCH) {
        if (this.halted()) return false;
        const sizes = await Promise.all(files.slice(i, i + STAT_BATCH).map((f) => fsp.lstat(path.join(this.root, f)).then((s) => s.size, () => 0)));
        this.files += sizes.length;
        for (const s of sizes) this.bytes += s;
      }
    }
    return true;
  }
}
