/**
 * The TLS identity of a nats-server that `controller nats-config --tls` configures: a
 * server certificate from the controller's CA (DATA/ca.pem, ca.key; made by the
 * controller's first start) for the hosts agents dial it by, written beside the
 * configuration (FILE.server.pem, FILE.server.key mode 0600), and the `tls` block that
 * uses them. Agents that enrolled with `--nats tls://HOST:PORT` verify it against the CA
 * they got at enrollment, and the controller against DATA/ca.pem; clients authenticate
 * with their NKeys as without TLS.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { issueServerCertificate } from '@coffer/shared/pki/index.js';

const q = (s: string): string => JSON.stringify(s);

/** Issues the server certificate and returns the configuration's `tls` block. */
export async function natsTlsBlock(dataDir: string, configFile: string, listenHost: string, extraHosts: readonly string[]): Promise<string> {
  const caPem = path.join(dataDir, 'ca.pem');
  const caKey = path.join(dataDir, 'ca.key');
  if (!fs.existsSync(caKey)) throw new CofferError(ErrorCode.Config, `${dataDir} has no CA yet (ca.key): start the controller once with --data ${dataDir}, then run nats-config --tls again`);
  const ca = { certPem: fs.readFileSync(caPem, 'utf8'), keyPem: fs.readFileSync(caKey, 'utf8') };
  const hosts = [...new Set(['127.0.0.1', 'localhost', os.hostname(), ...(listenHost !== '0.0.0.0' && listenHost !== '::' ? [listenHost] : []), ...extraHosts])];
  const cert = await issueServerCertificate(ca, hosts);
  const certFile = `${configFile}.server.pem`;
  const keyFile = `${configFile}.server.key`;
  writeFileAtomicSync(keyFile, cert.keyPem, 0o600);
  writeFileAtomicSync(certFile, cert.certPem.trimEnd() + '\n' + ca.certPem, 0o644);
  return `tls {\n  cert_file: ${q(certFile)}\n  key_file: ${q(keyFile)}\n  timeout: 5\n}\n`;
}
