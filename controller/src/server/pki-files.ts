/**
 * The controller's own PKI on disk, created on first start: DATA/ca.pem (public, give
 * it to agents and API clients), DATA/ca.key, DATA/server.pem and DATA/server.key (the
 * TLS identity of the gRPC port, for the hosts it is reached by), and DATA/admin.token.
 * Secret files are written 0600, atomically (temp + rename); existing files are kept.
 */
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomicSync as writeAtomic } from '@coffer/shared/atomic-file.js';
import { createCa, issueServerCertificate, type CaMaterial } from '@coffer/shared/pki/index.js';

/** The material the server runs with. */
export interface ControllerPki {
  readonly ca: CaMaterial;
  /** The server certificate followed by the CA certificate. */
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly adminToken: string;
  /** The CA's fingerprint as it appears in enrollment tokens. */
  readonly caPin: string;
}

/** The pin of a CA certificate: the first 16 bytes of the SHA-256 of its DER, base64url. */
export function caPinOf(caPem: string): string {
  return createHash('sha256').update(new X509Certificate(caPem).raw).digest().subarray(0, 16).toString('base64url');
}

/** Hosts the server certificate names: loopback, this host's name, the listen host, and extra ones. */
function serverHosts(listenHost: string, extra: readonly string[]): string[] {
  const hosts = new Set(['127.0.0.1', '::1', 'localhost', os.hostname(), ...extra]);
  if (listenHost !== '' && listenHost !== '0.0.0.0' && listenHost !== '::') hosts.add(listenHost);
  return [...hosts];
}

/** Loads the PKI from `dataDir`, creating what is missing. */
export async function loadPki(dataDir: string, listenHost: string, extraHosts: readonly string[] = []): Promise<ControllerPki> {
  const f = (n: string): string => path.join(dataDir, n);
  if (!fs.existsSync(f('ca.key'))) {
    const ca = await createCa(`Coffer controller CA ${os.hostname()}`);
    writeAtomic(f('ca.key'), ca.keyPem, 0o600);
    writeAtomic(f('ca.pem'), ca.certPem, 0o644);
    fs.rmSync(f('server.pem'), { force: true });
  }
  const ca: CaMaterial = { certPem: fs.readFileSync(f('ca.pem'), 'utf8'), keyPem: fs.readFileSync(f('ca.key'), 'utf8') };
  const hosts = serverHosts(listenHost, extraHosts);
  const hostsFile = f('server.hosts');
  const same = fs.existsSync(hostsFile) && fs.readFileSync(hostsFile, 'utf8') === hosts.join('\n');
  if (!fs.existsSync(f('server.pem')) || !same) {
    const s = await issueServerCertificate(ca, hosts);
    writeAtomic(f('server.key'), s.keyPem, 0o600);
    writeAtomic(f('server.pem'), s.certPem, 0o644);
    writeAtomic(hostsFile, hosts.join('\n'), 0o644);
  }
  if (!fs.existsSync(f('admin.token'))) writeAtomic(f('admin.token'), `cat1.${randomBytes(32).toString('base64url')}\n`, 0o600);
  return {
    ca,
    // The chain includes the CA, so an enrolling agent without ca.pem can fetch it and check it against the token's pin.
    serverCertPem: fs.readFileSync(f('server.pem'), 'utf8').trimEnd() + '\n' + ca.certPem,
    serverKeyPem: fs.readFileSync(f('server.key'), 'utf8'),
    adminToken: fs.readFileSync(f('admin.token'), 'utf8').trim(),
    caPin: caPinOf(ca.certPem),
  };
}
