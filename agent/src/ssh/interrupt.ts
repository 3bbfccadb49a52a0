/**
 * Cutting every SSH connection of the process at once, for SIGINT/SIGTERM: each open or
 * opening ssh2 client is destroyed (its TCP socket reset here, whatever the server does),
 * so SFTP requests in flight fail at once instead of waiting for a silent server; after
 * that, new connections are refused, except those opened for cleanup (removing this
 * process's lock), which the caller closes itself and which no other operation shares.
 * Running ProxyCommands are killed too.
 */
import type { Client } from 'ssh2';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { killProxyCommands } from './transport.js';

const live = new Set<Client>();
let interrupted = false;

/** Tracks `client` until it closes. */
export function track(client: Client): void {
  live.add(client);
  client.once('close', () => live.delete(client));
}

/** Whether {@link interruptSessions} has run. */
export function sessionsInterrupted(): boolean {
  return interrupted;
}

/** Throws Interrupted once the sessions were cut, unless the connection is for cleanup. */
export function assertMayConnect(cleanup: boolean): void {
  if (interrupted && !cleanup) throw new CofferError(ErrorCode.Interrupted, 'interrupted: no new SSH connection is opened');
}

/** Destroys every SSH connection and refuses new ones (but cleanup connections). */
export function interruptSessions(): void {
  interrupted = true;
  for (const c of live) {
    // A reset, not a close: the kernel drops what is still unsent instead of delivering it
    // (a queued rename of a finished upload, say) once the network comes back.
    const sock = (c as unknown as { _sock?: { resetAndDestroy?: () => void } })._sock;
    if (typeof sock?.resetAndDestroy === 'function') sock.resetAndDestroy();
    c.destroy();
  }
  live.clear();
  killProxyCommands();
}
