/**
 * What carries an SSH connection when it is not a direct TCP connection: a ProxyJump
 * chain (each hop an SSH connection of its own, opened through the hop before it, with
 * its own host key check, and a direct-tcpip channel to the next) or a ProxyCommand (run
 * with /bin/sh -c "exec CMD", its stdin/stdout the transport, as OpenSSH does).
 * Guarantees: when opening fails at any hop, everything opened for it is closed again
 * (connections ended, the command killed) before the error is thrown; `close` ends the
 * whole chain; no step waits longer than the target's connect timeout.
 */
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** The parts of a target the transport needs (connect.ts's SshTarget has them). */
export interface TransportTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly connectTimeoutMs: number;
  readonly proxy?: TransportTarget;
  readonly proxyCommand?: string;
}

/** A stream to the target's SSH server (none: dial TCP) and how to close what carries it. */
export interface Transport {
  readonly sock?: Duplex;
  close(): void;
  /**
   * Why the transport itself failed (a ProxyCommand that exited, with its last stderr
   * line), waiting up to 1 s for the command to end; undefined when it did not fail.
   */
  failure?(): Promise<CofferError | undefined>;
}

/**
 * Opens the client over `transport`; on failure closes the transport and throws the
 * transport's own failure when it has one (it explains a lost connection better).
 */
export async function openOver<T extends TransportTarget>(t: T, transport: Transport, open: OpenClient<T>): Promise<Client> {
  try {
    return await open(t, transport.sock);
  } catch (err) {
    const why = await transport.failure?.();
    transport.close();
    throw why ?? err;
  }
}

/** Opens an SSH client to `t` over `sock` (connect.ts's connectClient). */
export type OpenClient<T extends TransportTarget> = (t: T, sock: Duplex | undefined) => Promise<Client>;

const children = new Set<ReturnType<typeof spawn>>();

/** Kills every ProxyCommand still running (for interrupts and fatal errors). */
export function killProxyCommands(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

function forward(jump: Client, via: TransportTarget, t: TransportTarget): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new CofferError(ErrorCode.Retryable, `the jump host ${via.host}:${via.port} could not reach ${t.host}:${t.port}: ${why}`));
    };
    const timer = setTimeout(() => fail('timed out'), t.connectTimeoutMs);
    jump.once('close', () => fail('the jump connection closed'));
    jump.forwardOut('127.0.0.1', 0, t.host, t.port, (err, stream) => {
      clearTimeout(timer);
      if (err) fail(err.message);
      else resolve(stream);
    });
  });
}

async function viaJump<T extends TransportTarget>(t: T, via: T, open: OpenClient<T>): Promise<Transport> {
  const below = await openTransport(via, open);
  const jump = await openOver(via, below, open);
  jump.once('close', () => below.close());
  const close = (): void => {
    jump.end();
    below.close();
  };
  try {
    return { sock: await forward(jump, via, t), close };
  } catch (err) {
    close();
    throw err;
  }
}

function viaCommand(t: TransportTarget, command: string): Transport {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr = (stderr + b.toString()).slice(-2000)));
  child.stdin.on('error', () => undefined);
  const sock = Duplex.from({ readable: child.stdout, writable: child.stdin });
  sock.on('error', () => undefined);
  let failed: CofferError | undefined;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((r) => (settle = r));
  let closing = false;
  const ended = (why: string): void => {
    children.delete(child);
    const last = stderr.trim().split('\n').pop() ?? '';
    if (!closing) failed ??= new CofferError(ErrorCode.Retryable, `the ProxyCommand for ${t.host}:${t.port} ${why}${last ? ` (${last})` : ''}: check the ProxyCommand in ssh_config`);
    if (!sock.destroyed) sock.destroy();
    settle();
  };
  child.once('error', (err) => ended(`could not run: ${err.message}`));
  child.once('exit', (code, sig) => ended(`exited with ${sig ?? code}`));
  return {
    sock,
    failure: async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise<void>((r) => (timer = setTimeout(r, 1000)))]);
      clearTimeout(timer);
      return failed;
    },
    close: () => {
      closing = true;
      children.delete(child);
      sock.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}

/** Opens the transport to `t` (see the header). */
export async function openTransport<T extends TransportTarget>(t: T, open: OpenClient<T>): Promise<Transport> {
  if (t.proxy) return viaJump(t, t.proxy as T, open);
  if (t.proxyCommand !== undefined) return viaCommand(t, t.proxyCommand);
  return { close: () => undefined };
}
