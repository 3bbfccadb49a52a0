/**
 * Running a process to completion synchronously, like spawnSync, but with the times a
 * spawnSync cannot give: when the process last printed (stdout or stderr) and when it
 * exited. The process runs in a worker thread (sync-run-worker.ts) while this thread
 * blocks on a shared flag; one worker serves every call and does not keep the test run
 * alive. Guarantees: the call returns only after the process exited and its pipes closed,
 * or after `timeoutMs`, when it is killed (SIGKILL) and `timedOut` is set.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** One run, as sent to the worker. */
export interface SyncRunRequest {
  readonly file: string;
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly input: string | Buffer;
  readonly timeoutMs: number;
}

/** What happened, with epoch-millisecond times. */
export interface SyncRunReply {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  readonly startedAt: number;
  /** When the last bytes arrived on stdout or stderr; undefined when it printed nothing. */
  readonly lastOutputAt: number | undefined;
  readonly exitedAt: number;
  /** When its pipes closed (later than the exit when a child of it kept them open). */
  readonly closedAt: number;
  readonly timedOut: boolean;
  /** Why it could not be started, when it could not. */
  readonly error: string | undefined;
}

let channel: { worker: Worker; port: MessagePort; flag: Int32Array } | undefined;

function worker(): { port: MessagePort; flag: Int32Array } {
  if (channel) return channel;
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const w = new Worker(new URL('./sync-run-worker.js', import.meta.url), { workerData: { port: port2, flag }, transferList: [port2] });
  w.unref();
  port1.unref();
  channel = { worker: w, port: port1, flag };
  return channel;
}

/** Runs `req` and blocks until it is over (see the guarantees above). */
export function runSync(req: SyncRunRequest): SyncRunReply {
  const { port, flag } = worker();
  Atomics.store(flag, 0, 0);
  port.postMessage(req);
  // The worker always answers: the process ends by itself or is killed at timeoutMs.
  const waitMs = req.timeoutMs + 60_000;
  if (Atomics.wait(flag, 0, 0, waitMs) === 'timed-out') throw new Error(`the test runner's worker did not answer within ${waitMs} ms for ${req.file} ${req.argv.join(' ')}`);
  const got = receiveMessageOnPort(port);
  if (!got) throw new Error('the test runner\'s worker set its flag without a reply');
  return got.message as SyncRunReply;
}

/** A Buffer over the bytes of a reply (Buffers arrive from the worker as Uint8Arrays). */
export function asBuffer(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}
