/**
 * `coffer controller client-cert --data DIR --name NAME --out DIR [--days N]`: issues an
 * API client certificate (SAN URI coffer-client:NAME) signed by the controller's CA, for
 * `coffer ctl --cert NAME.pem --key NAME.key` or integrators' programs. Runs on the
 * controller's host: it reads DATA/ca.key; the new key is written 0600 and never sent.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { expectArgs, int, parseArgs, str } from '@coffer/shared/cli-args.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { CLIENT_URI_SCHEME, createKeyAndCsr, signClientCertificate } from '@coffer/shared/pki/index.js';
import { CATALOG_NAME } from '../names.js';

const USAGE = 'coffer controller client-cert --data DIR --name NAME --out DIR [--days 365]';

/** Runs the command; returns the exit status. */
export async function clientCert(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const p = parseArgs(argv, { data: 'string', name: 'string', out: 'string', days: 'string' }, 'controller client-cert');
  expectArgs(p, 0, 0, USAGE);
  const data = str(p, 'data');
  const name = str(p, 'name');
  const outDir = str(p, 'out');
  if (!data || !name || !outDir) throw new CofferError(ErrorCode.Usage, `usage: ${USAGE}`);
  if (!CATALOG_NAME.test(name)) throw new CofferError(ErrorCode.Usage, `--name '${name}' is not a valid name; use letters, digits, '.', '_' and '-'`);
  const days = int(p, 'days') ?? 365;
  let ca;
  try {
    ca = { certPem: fs.readFileSync(path.join(data, 'ca.pem'), 'utf8'), keyPem: fs.readFileSync(path.join(data, 'ca.key'), 'utf8') };
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `${data} has no controller CA (${(err as NodeJS.ErrnoException).code ?? String(err)}); give the controller's --data folder`);
  }
  const { keyPem, csrPem } = await createKeyAndCsr(name);
  const cert = await signClientCertificate(ca, csrPem, { commonName: name, uri: `${CLIENT_URI_SCHEME}:${name}`, days });
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(outDir, `${name}.key`);
  const certFile = path.join(outDir, `${name}.pem`);
  writeFileAtomicSync(keyFile, keyPem, 0o600);
  writeFileAtomicSync(certFile, cert.certPem, 0o644);
  out(`client certificate for ${name} (serial ${cert.serial}, valid until ${new Date(cert.notAfter).toISOString()}): ${certFile} and ${keyFile}`);
  return 0;
}
