/**
 * Trust on first use, pinned: an agent enrolling without --ca fetches the controller's CA
 * certificate from the TLS handshake (the server sends its chain) and accepts it only if
 * its SHA-256 matches the pin carried by the enrollment token (the token's last part,
 * the first 16 bytes of the digest of the CA's DER, base64url). A man in the middle
 * would need the token's pin to match its own CA, which it cannot forge.
 */
import { createHash, X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** The pin in an enrollment token (cft1.<secret>.<pin>). */
export function tokenPin(token: string): string {
  const m = /^cft1\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)$/.exec(token);
  if (!m) throw new CofferError(ErrorCode.Usage, 'that is not an enrollment token; create one with coffer ctl token create');
  return m[1] as string;
}

function pinOf(der: Buffer): string {
  return createHash('sha256').update(der).digest().subarray(0, 16).toString('base64url');
}

/** Fetches the CA certificate (PEM) of the controller at host:port whose pin is `pin`. */
export function fetchPinnedCa(host: string, port: number, pin: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = tls.connect({ host, port, rejectUnauthorized: false, ALPNProtocols: ['h2'], ...(net(host) ? {} : { servername: host }) });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new CofferError(ErrorCode.Retryable, `the controller at ${host}:${port} did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new CofferError(ErrorCode.Retryable, `cannot reach the controller at ${host}:${port} (${err.code ?? err.message}); check the address`));
    });
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      let cert: tls.DetailedPeerCertificate | undefined = sock.getPeerCertificate(true);
      const seen = new Set<string>();
      for (let i = 0; i < 8 && cert?.raw && !seen.has(cert.fingerprint256); i++) {
        seen.add(cert.fingerprint256);
        if (pinOf(cert.raw) === pin) {
          sock.destroy();
          resolve(new X509Certificate(cert.raw).toString());
          return;
        }
        cert = cert.issuerCertificate;
      }
      sock.destroy();
      reject(new CofferError(ErrorCode.Permission, `the controller at ${host}:${port} does not present the CA the token names; check the address, or pass its ca.pem with --ca`));
    });
  });
}

function net(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
