/**
 * One test daemon process: spawned with its stderr (and stdout) collected, waited for
 * until it accepts connections on 127.0.0.1:`port`, and killed with everything it
 * started (its process group) on stop. Used by the SFTP server helpers.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { waitForPort } from './sshd.js';

/** A running daemon. */
export interface Daemon {
  /** What it printed so far. */
  log(): string;
  /** Kills it and its children; resolves once it exited. */
  stop(): Promise<void>;
}

/** Starts `cmd argv` in a process group of its own and waits for `port`; throws with its output when it does not listen. */
export async function startDaemon(what: string, cmd: string, argv: readonly string[], port: number): Promise<Daemon> {
  let out = '';
  const child: ChildProcess = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  child.once('error', (e) => (out += String(e)));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    try {
      execFileSync('pkill', ['-KILL', '-P', String(child.pid)]); // children that left the group (sshd-style session processes)
    } catch {
      // none
    }
    await exited;
  };
  if (!(await waitForPort(port, 400))) {
    await stop();
    throw new Error(`${what} did not start on 127.0.0.1:${port}: ${out.trim().slice(-2000)}`);
  }
  return { log: () => out, stop };
}
