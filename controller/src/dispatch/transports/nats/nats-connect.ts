/**
 * The controller's NATS connection options: the server URL, then its credentials (a
 * .creds file, or an NKey seed file such as the one `coffer controller nats-config`
 * writes), or TLS client options. Reconnects forever; a bad option is a Config error
 * naming it.
 */
import fs from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** How to reach the NATS server. */
export interface NatsOptions {
  /** nats://HOST:PORT (or tls://). */
  readonly url: string;
  /** A .creds file (JWT and seed) or an NKey seed file. */
  readonly credsFile?: string;
  readonly tlsCa?: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
}

function read(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `cannot read ${flag} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** The servers part of a URL; a clear error when it is not nats:// or tls://. */
export function checkNatsUrl(url: string, flag = '--nats'): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CofferError(ErrorCode.Usage, `${flag} '${url}' is not a URL; use nats://HOST:PORT`);
  }
  if (u.protocol !== 'nats:' && u.protocol !== 'tls:') throw new CofferError(ErrorCode.Usage, `${flag} '${url}' must start with nats:// or tls://`);
  if (!u.port) throw new CofferError(ErrorCode.Usage, `${flag} '${url}' needs a port, e.g. nats://127.0.0.1:4222`);
  return url;
}

/** Connection options for `o` under the connection name `name`. */
export function natsConnectOptions(o: NatsOptions, name: string): NodeConnectionOptions {
  const opts: NodeConnectionOptions = { servers: checkNatsUrl(o.url), name, maxReconnectAttempts: -1, reconnectTimeWait: 1000, waitOnFirstConnect: true, ignoreClusterUpdates: true };
  if (o.credsFile !== undefined) {
    const text = read(o.credsFile, '--nats-creds');
    const bytes = new TextEncoder().encode(text.includes('BEGIN NATS USER JWT') ? text : text.trim());
    opts.authenticator = text.includes('BEGIN NATS USER JWT') ? credsAuthenticator(bytes) : nkeyAuthenticator(bytes);
  }
  if (o.tlsCa !== undefined || o.tlsCert !== undefined) {
    opts.tls = {
      ...(o.tlsCa !== undefined ? { ca: read(o.tlsCa, '--nats-ca') } : {}),
      ...(o.tlsCert !== undefined ? { cert: read(o.tlsCert, '--nats-cert') } : {}),
      ...(o.tlsKey !== undefined ? { key: read(o.tlsKey, '--nats-key') } : {}),
    };
  }
  return opts;
}
