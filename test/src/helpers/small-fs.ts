/**
 * A small filesystem for no-space tests: a tmpfs of a few MB mounted on an empty
 * folder (root only: `mount -t tmpfs -o size=Nm`), so that writes fail with ENOSPC
 * after a known amount of data. Grow it with resize() (as an administrator would
 * raise a quota), and unmount it in `after`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

/** A mounted small filesystem. */
export interface SmallFs {
  /** The mount point. */
  readonly dir: string;
  /** Bytes free on it now. */
  freeBytes(): number;
  /** Changes its size (mount -o remount,size=…). */
  resize(mb: number): void;
  /** Unmounts it (lazily when something still holds it open); safe to call twice. */
  unmount(): void;
}

function run(cmd: string, args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.error?.message ?? ''}${r.stdout}${r.stderr}`.trim() };
}

/**
 * Mounts a tmpfs of `mb` MB on `dir` (created when missing). Throws, quoting the
 * command's error, when mounting is not permitted here.
 */
export function mountSmallFs(dir: string, mb: number): SmallFs {
  fs.mkdirSync(dir, { recursive: true });
  const m = run('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0755`, 'tmpfs', dir]);
  if (!m.ok) throw new Error(`cannot mount a ${mb} MB tmpfs on ${dir} (root is needed): mount said: ${m.out}`);
  let mounted = true;
  return {
    dir,
    freeBytes() {
      const s = fs.statfsSync(dir);
      return s.bavail * s.bsize;
    },
    resize(size: number) {
      const r = run('mount', ['-o', `remount,size=${size}m`, dir]);
      if (!r.ok) throw new Error(`cannot resize the tmpfs on ${dir}: ${r.out}`);
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      if (!run('umount', [dir]).ok) {
        const lazy = run('umount', ['-l', dir]);
        if (!lazy.ok) throw new Error(`cannot unmount ${dir}: ${lazy.out}`);
      }
    },
  };
}

/**
 * mountSmallFs for a test that needs it: outside CI a test that cannot mount (not root,
 * or mount refused) is skipped with the reason; in CI (CI=true) that is a failure.
 */
export function mountSmallFsFor(ctx: Mocha.Context, dir: string, mb: number): SmallFs {
  const why = process.getuid?.() === 0 ? undefined : 'not root';
  try {
    if (why) throw new Error(`cannot mount a ${mb} MB tmpfs on ${dir}: ${why}`);
    return mountSmallFs(dir, mb);
  } catch (err) {
    if (process.env.CI === 'true') throw err;
    ctx.skip();
  }
}
