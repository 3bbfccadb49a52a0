/**
 * The worker half of sync-run.ts: runs one process at a time on its own event loop, while
 * the test's thread waits, and records when the process last printed and when it exited.
 * Protocol: a request arrives on the port; the reply is posted on the same port, then the
 * shared flag is set to 1 and notified. Never throws: a spawn error is part of the reply.
 */
import { spawn } from 'node:child_process';
import { workerData, type MessagePort } from 'node:worker_threads';
import type { SyncRunReply, SyncRunRequest } from './sync-run.js';

const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };

function reply(r: SyncRunReply): void {
  port.postMessage(r);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

function run(req: SyncRunRequest): void {
  const startedAt = Date.now();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let lastOutputAt: number | undefined;
  let exitedAt: number | undefined;
  let timedOut = false;
  let error: string | undefined;
  const child = spawn(req.file, req.argv, { env: req.env, cwd: req.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, req.timeoutMs);
  child.stdout.on('data', (b: Buffer) => {
    out.push(b);
    lastOutputAt = Date.now();
  });
  child.stderr.on('data', (b: Buffer) => {
    err.push(b);
    lastOutputAt = Date.now();
  });
  child.stdin.on('error', () => undefined); // the process may exit without reading its input
  child.stdin.end(req.input);
  child.once('error', (e) => (error = e.message));
  child.once('exit', () => (exitedAt = Date.now()));
  child.once('close', (code, signal) => {
    clearTimeout(timer);
    reply({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err), startedAt, lastOutputAt, exitedAt: exitedAt ?? Date.now(), closedAt: Date.now(), timedOut, error });
  });
}

port.on('message', (req: SyncRunRequest) => {
  try {
    run(req);
  } catch (e) {
    reply({ code: null, signal: null, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), startedAt: Date.now(), lastOutputAt: undefined, exitedAt: Date.now(), closedAt: Date.now(), timedOut: false, error: e instanceof Error ? e.message : String(e) });
  }
});
