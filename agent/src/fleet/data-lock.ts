/**
 * One agent per data folder: `agent start` holds `agent.lock` in its data folder (its
 * pid and the process's start time, so a reused pid is not mistaken for it). A second
 * start on the same folder is refused while the first lives (exit 11, naming its pid);
 * a lock left by a dead process is taken over. `agent enroll` into a folder whose agent
 * runs stops that agent first (SIGTERM, then waits for it to exit) so the new identity
 * never runs beside the old one. Linux (/proc); elsewhere only the pid is compared.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

const LOCK = 'agent.lock';

interface Holder {
  readonly pid: number;
  readonly start: string;
}

/** The start time of process `pid` (field 22 of /proc/PID/stat), '' when unknown. */
function startTime(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function alive(h: Holder): boolean {
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  const now = startTime(h.pid);
  return now === '' || h.start === '' || now === h.start;
}

function readHolder(file: string): Holder | undefined {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Holder>;
    return typeof h.pid === 'number' ? { pid: h.pid, start: typeof h.start === 'string' ? h.start : '' } : undefined;
  } catch {
    return undefined;
  }
}

/** The live agent holding `dataDir`, if any. */
export function lockHolder(dataDir: string): Holder | undefined {
  const h = readHolder(path.join(dataDir, LOCK));
  return h && h.pid !== process.pid && alive(h) ? h : undefined;
}

/** Takes the data folder's lock for this process; returns its release. Throws Locked while another agent holds it. */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK);
  const me: Holder = { pid: process.pid, start: startTime(process.pid) };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(me), { flag: 'wx', mode: 0o600 });
      return () => {
        if (readHolder(file)?.pid === process.pid) fs.rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw CofferError.from(err);
    }
    const other = lockHolder(dataDir);
    if (other) throw new CofferError(ErrorCode.Locked, `another agent runs on ${dataDir} (pid ${other.pid}); stop it first, or give this one its own --data folder`);
    fs.rmSync(file, { force: true }); // left by a process that is gone
  }
  throw new CofferError(ErrorCode.Locked, `cannot take the lock of ${dataDir} (${file}); another agent is starting there`);
}

/** Stops the agent that runs on `dataDir`, if one does: SIGTERM, then waits up to `timeoutMs` for it to exit. */
export async function stopAgentOn(dataDir: string, timeoutMs = 30_000): Promise<number | undefined> {
  const h = lockHolder(dataDir);
  if (!h) return undefined;
  try {
    process.kill(h.pid, 'SIGTERM');
  } catch {
    return undefined;
  }
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!alive(h)) return h.pid;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CofferError(ErrorCode.Locked, `the agent running on ${dataDir} (pid ${h.pid}) did not stop within ${Math.round(timeoutMs / 1000)} s; stop it, then enroll again`);
}
