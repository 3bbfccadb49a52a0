/**
 * The controller's --http port: one listening socket that serves HTTPS (the console,
 * with the controller's certificate or --http-cert/--http-key) and plain HTTP (for
 * Prometheus scrapers and health checks). The first byte of each connection decides: a
 * TLS handshake starts with 0x16 (a handshake record), an HTTP request with a letter.
 * Plain HTTP answers only /metrics and /healthz; any other plain request is sent to the
 * same URL over https (308, method and body kept). A connection that sends nothing for
 * 30 s is closed; header and request time limits apply to both kinds.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

/** The TLS handshake record type: the first byte of every TLS connection. */
const TLS_HANDSHAKE = 0x16;
const FIRST_BYTE_TIMEOUT_MS = 30_000;

export interface WebPortOptions {
  readonly host: string;
  readonly port: number;
  /** PEM certificate chain and key of the HTTPS side. */
  readonly certPem: string;
  readonly keyPem: string;
  /** Plain HTTP: answers and returns true, or returns false (the port redirects to https). */
  plain(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Everything over TLS. */
  secure(req: http.IncomingMessage, res: http.ServerResponse): void;
}

/** A listening --http port. */
export interface WebPort {
  readonly port: number;
  /** Stops accepting, ends idle connections, then every connection after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

/** `https://<Host of the request><path>`, or undefined when the request has no usable Host. */
function httpsUrl(req: http.IncomingMessage): string | undefined {
  const host = req.headers.host ?? '';
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) return undefined;
  const path = (req.url ?? '/').startsWith('/') ? (req.url ?? '/') : '/';
  return `https://${host}${path}`;
}

function redirectToHttps(req: http.IncomingMessage, res: http.ServerResponse): void {
  const to = httpsUrl(req);
  if (!to) {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('this port serves the console over https; plain http answers only /metrics and /healthz\n');
    return;
  }
  res.writeHead(308, { location: to, 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(`the console is served over https: ${to}\n`);
}

function limits(s: http.Server): void {
  s.headersTimeout = 30_000;
  s.requestTimeout = 0; // streams (downloads, watches) may last; idle sockets time out below
  s.keepAliveTimeout = 30_000;
  s.maxHeadersCount = 100;
}

/** Listens on host:port; resolves once listening. */
export function startWebPort(opts: WebPortOptions): Promise<WebPort> {
  const plain = http.createServer((req, res) => {
    if (!opts.plain(req, res)) redirectToHttps(req, res);
  });
  const secure = https.createServer({ cert: opts.certPem, key: opts.keyPem, minVersion: 'TLSv1.2' }, (req, res) => opts.secure(req, res));
  limits(plain);
  limits(secure);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    const dispatch = (): void => {
      const first = socket.read(1) as Buffer | null;
      if (first === null) {
        socket.once('readable', dispatch);
        return;
      }
      socket.setTimeout(0);
      socket.unshift(first);
      (first[0] === TLS_HANDSHAKE ? secure : plain).emit('connection', socket);
    };
    dispatch();
  });
  secure.on('tlsClientError', (_err, socket) => socket.destroy());
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const a = server.address();
      resolve({
        port: typeof a === 'object' && a ? a.port : 0,
        close: (graceMs = 1000) =>
          new Promise<void>((done) => {
            server.close(() => done());
            plain.closeIdleConnections();
            secure.closeIdleConnections();
            setTimeout(() => {
              for (const s of sockets) s.destroy();
            }, graceMs).unref();
          }),
      });
    });
  });
}
