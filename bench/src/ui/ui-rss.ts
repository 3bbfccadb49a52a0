/**
 * Memory of the serving process from /proc (Linux): VmRSS now, VmHWM (the peak), a reset
 * of the peak (`5` into /proc/PID/clear_refs, Linux 4.0+), and a sampler of VmRSS every
 * 20 ms, so the growth during one operation is measured even when an earlier phase (the
 * first listing of a big folder) set a higher peak.
 */
import fs from 'node:fs';

/** A field of /proc/PID/status in bytes (undefined when unreadable). */
export function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resets the peak RSS of `pid`; whether the kernel allowed it. */
export function resetPeak(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples VmRSS of `pid` until `stop()`, which returns the largest sample. */
export function sampleRss(pid: number): { stop(): number } {
  let max = procKb(pid, 'VmRSS') ?? 0;
  const timer = setInterval(() => {
    max = Math.max(max, procKb(pid, 'VmRSS') ?? 0);
  }, 20);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(max, procKb(pid, 'VmRSS') ?? 0);
    },
  };
}
