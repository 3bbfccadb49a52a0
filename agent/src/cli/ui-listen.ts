/**
 * Where `coffer at <store> ui` listens, and how: the address from `--listen` (default
 * 127.0.0.1 on a free port), plain HTTP on loopback, HTTPS with `--tls-cert/--tls-key`,
 * and plain HTTP on another address only with `--insecure-http`. Guarantees:
 *  - a non-loopback address without TLS and without --insecure-http is a usage error (exit
 *    2) naming both fixes, decided before the store is opened or anything listens;
 *  - the certificate and key are read before the store is opened; an unreadable one is a
 *    config error naming the file;
 *  - on a loopback address, requests whose Host is not a loopback name are refused (421),
 *    so a web page that rebinds its DNS name to 127.0.0.1 reaches nothing;
 *  - `close()` stops accepting, ends every open connection (keep-alive and streams) and
 *    resolves once the listener is gone.
 */
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP, type AddressInfo } from 'node:net';
import os from 'node:os';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { splitHostPort } from '@coffer/shared/host-port.js';

export interface ListenSpec {
  readonly host: string;
  readonly port: number;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer };
}

/** Whether `host` is a loopback address or name. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}

function readPem(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `${flag} ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? 'error'}); give a readable PEM file`);
  }
}

/** Validates the listen flags (see the module comment). */
export function listenSpec(flags: { listen?: string | undefined; tlsCert?: string | undefined; tlsKey?: string | undefined; insecureHttp: boolean }): ListenSpec {
  const { host, port } = flags.listen !== undefined ? splitHostPort(flags.listen, '--listen') : { host: '127.0.0.1', port: 0 };
  if (host === '') throw new CofferError(ErrorCode.Usage, `--listen '${flags.listen ?? ''}' has no host; give one, e.g. 127.0.0.1:8080 or 0.0.0.0:8443`);
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) {
    throw new CofferError(ErrorCode.Usage, 'ui: --tls-cert and --tls-key go together; give both (PEM files) or neither');
  }
  if (flags.tlsCert !== undefined && flags.insecureHttp) throw new CofferError(ErrorCode.Usage, 'ui: --insecure-http contradicts --tls-cert; drop one of them');
  if (flags.tlsCert === undefined && !flags.insecureHttp && !isLoopback(host)) {
    throw new CofferError(ErrorCode.Usage, `ui: --listen ${flags.listen ?? ''} is not a loopback address; serve it over HTTPS with --tls-cert FILE --tls-key FILE, or pass --insecure-http to allow plain HTTP on the network`);
  }
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) return { host, port };
  return { host, port, tls: { cert: readPem(flags.tlsCert, '--tls-cert'), key: readPem(flags.tlsKey, '--tls-key') } };
}

function hostNames(spec: ListenSpec, port: number): Set<string> {
  const names = isLoopback(spec.host) ? ['127.0.0.1', 'localhost', '[::1]', spec.host.includes(':') ? `[${spec.host}]` : spec.host] : [];
  return new Set(names.map((n) => `${n.toLowerCase()}:${port}`));
}

export interface UiServer {
  /** The URL's origin, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Listens on `spec` with `listener`; rejects with a one-line error when it cannot. */
export async function listen(spec: ListenSpec, listener: http.RequestListener): Promise<UiServer> {
  let allowed = new Set<string>();
  const guarded: http.RequestListener = (req, res) => {
    if (allowed.size > 0 && !allowed.has((req.headers.host ?? '').toLowerCase())) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('this viewer answers only on its loopback address; open the URL it printed\n');
      return;
    }
    listener(req, res);
  };
  const server = spec.tls ? https.createServer({ cert: spec.tls.cert, key: spec.tls.key }, guarded) : http.createServer(guarded);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'the port is in use; pick another --listen port' : err.code === 'EACCES' ? 'permission denied; pick a port above 1023' : err.code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : err.message;
      reject(new CofferError(ErrorCode.Usage, `ui: cannot listen on ${spec.host}:${spec.port}: ${why}`));
    });
    server.listen(spec.port, spec.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  allowed = hostNames(spec, port);
  const wildcard = spec.host === '0.0.0.0' || spec.host === '::';
  const shown = wildcard ? os.hostname() : spec.host.includes(':') ? `[${spec.host}]` : spec.host;
  return {
    origin: `${spec.tls ? 'https' : 'http'}://${shown}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
