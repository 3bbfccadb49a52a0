/**
 * Whether the process that holds a store lock is gone, judged on this host (the engine's
 * locks are I/O-free; this is the CLI's injected check). A lock names its host and pid,
 * and, from this version on Linux, `proc`: `<boot id>/<pid namespace>/<start time>`.
 * - Another host name: never judged here (those locks keep their 30-minute timeout).
 * - With `proc`: judged only when the boot id and the pid namespace are this process's
 *   (the same kernel run, the same pid space: a container with the same host name but
 *   its own pid namespace is not mistaken for us); then the owner is gone when no process
 *   has that pid, or the one that has it started at another time (the pid was reused).
 * - Without `proc` (locks of older versions, other systems): gone when no process of this
 *   host has that pid. Containers that share a host name but not a pid namespace can take
 *   each other's old locks for dead: give containers their own host names.
 */
import fs from 'node:fs';
import type { LockInfo } from '../engine/lock.js';
import { hostName } from '../engine/repository.js';

/** The start time of `pid` in clock ticks since boot (/proc/PID/stat field 22), or undefined. */
function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces: count from after it.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}

/** Boot id and pid namespace of this process, or undefined off Linux. */
function here(): { boot: string; ns: string } | undefined {
  try {
    return { boot: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(), ns: fs.readlinkSync('/proc/self/ns/pid') };
  } catch {
    return undefined;
  }
}

/** This process's `proc` identity for its lock, or undefined off Linux. */
export function procIdentity(): string | undefined {
  const h = here();
  const start = startTime(process.pid);
  return h && start !== undefined ? `${h.boot}/${h.ns}/${start}` : undefined;
}

/** Whether a process with `pid` exists (EPERM: it exists, owned by someone else). */
function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the owner of the lock `info` is certainly gone (see the module comment). */
export function lockOwnerGone(info: LockInfo): boolean {
  if (info.host !== hostName() || !Number.isInteger(info.pid) || info.pid <= 0) return false;
  if (info.proc === undefined) return !pidExists(info.pid);
  const h = here();
  const parts = info.proc.split('/');
  if (!h || parts.length !== 3 || parts[0] !== h.boot || parts[1] !== h.ns) return false;
  if (!pidExists(info.pid)) return true;
  const start = startTime(info.pid);
  return start !== undefined && start !== parts[2];
}
