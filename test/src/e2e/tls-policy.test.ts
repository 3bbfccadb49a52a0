/**
 * The TLS policy of the controller's gRPC port (shared/src/pki/grpc-tls.ts with
 * tls-policy.ts): a real grpc-js server with the controller's credentials on 127.0.0.1,
 * probed with node:tls. TLS 1.3 and TLS 1.2 with AES-GCM or ChaCha20-Poly1305 are
 * accepted; CBC-SHA1 suites, and TLS 1.1, are refused at the handshake.
 */
import assert from 'node:assert/strict';
import tls from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { createCa, issueServerCertificate, serverCredentials, type CaMaterial } from '@coffer/shared/pki/index.js';

interface Probe {
  readonly ok: boolean;
  readonly protocol?: string | null;
  readonly cipher?: string;
  readonly error?: string;
}

/** One TLS handshake with `opts`; resolves with what was negotiated or why it failed. */
function probe(port: number, ca: string, opts: tls.ConnectionOptions): Promise<Probe> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ALPNProtocols: ['h2'], ...opts });
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ ok: false, error: 'timeout' });
    }, 10_000);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      const r = { ok: true, protocol: s.getProtocol(), cipher: s.getCipher().name };
      s.destroy();
      resolve(r);
    });
    s.once('error', (err: Error) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ ok: false, error: err.message });
    });
  });
}

describe('TLS policy of the gRPC port', () => {
  let ca: CaMaterial;
  let server: grpc.Server;
  let port: number;

  before(async () => {
    ca = await createCa('Coffer TLS policy CA');
    const cert = await issueServerCertificate(ca, ['127.0.0.1', 'localhost']);
    server = new grpc.Server();
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', serverCredentials({ caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem }), (err, p) =>
        err ? reject(err) : resolve(p),
      );
    });
  });
  after(() => server?.forceShutdown());

  it('accepts TLS 1.3', async () => {
    const r = await probe(port, ca.certPem, { minVersion: 'TLSv1.3' });
    assert.equal(r.ok, true, r.error);
    assert.equal(r.protocol, 'TLSv1.3');
  });

  it('accepts TLS 1.2 with ECDHE and AES-GCM, and with ChaCha20-Poly1305', async () => {
    for (const cipher of ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305']) {
      const r = await probe(port, ca.certPem, { maxVersion: 'TLSv1.2', ciphers: cipher });
      assert.equal(r.ok, true, `${cipher}: ${r.error ?? ''}`);
      assert.equal(r.protocol, 'TLSv1.2');
      assert.equal(r.cipher, cipher);
    }
  });

  it('refuses CBC suites with SHA-1 and SHA-256 MACs over TLS 1.2', async () => {
    for (const cipher of ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA256']) {
      const r = await probe(port, ca.certPem, { maxVersion: 'TLSv1.2', ciphers: cipher });
      assert.equal(r.ok, false, `${cipher} was accepted`);
    }
  });

  it('refuses TLS 1.1 and 1.0', async () => {
    for (const v of ['TLSv1.1', 'TLSv1'] as const) {
      // OpenSSL's default security level forbids these on the client too; level 0 lets it offer them.
      const r = await probe(port, ca.certPem, { minVersion: v, maxVersion: v, ciphers: 'DEFAULT@SECLEVEL=0' });
      assert.equal(r.ok, false, `${v} was accepted`);
    }
  });
});
