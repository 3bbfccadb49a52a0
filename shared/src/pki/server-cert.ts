/**
 * The controller's TLS server certificate, signed by its CA, with the names clients
 * dial it by. Agents and API clients trust the CA, not this certificate, so it can be
 * reissued (new hosts, new key) at any time without touching them.
 */
import { isIP } from 'node:net';
import { CofferError, ErrorCode } from '../errors.js';
import { openCa, type CaMaterial } from './ca.js';
import { issueLeaf, type IssuedCertificate } from './issuer.js';
import { generateKeyPair, privateKeyToPem } from './keys.js';
import { x509 } from './x509.js';

/** A server certificate and its new private key. */
export interface ServerCertificate extends IssuedCertificate {
  /** PKCS#8 PEM. */
  readonly keyPem: string;
}

/** Options of {@link issueServerCertificate}. */
export interface ServerCertificateOptions {
  /** Lifetime in days. @default 825 */
  readonly days?: number;
  /** The time of issue, ms since the epoch. @default Date.now() */
  readonly now?: number;
}

/** The subject alternative names for `hosts`: IP addresses as IP entries, anything else as DNS. */
function altNames(hosts: readonly string[]): x509.JsonGeneralName[] {
  const seen = new Set<string>();
  const names: x509.JsonGeneralName[] = [];
  for (const raw of hosts) {
    const host = raw.trim().toLowerCase();
    if (host === '' || seen.has(host)) continue;
    seen.add(host);
    if (isIP(host) !== 0) {
      if (host.includes('.') && host.includes(':')) {
        throw new CofferError(ErrorCode.Config, `IPv6 address with an embedded IPv4 part is not supported: ${raw}`);
      }
      names.push({ type: 'ip', value: host });
    } else if (/^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/.test(host)) {
      names.push({ type: 'dns', value: host.replace(/\.$/, '') });
    } else {
      throw new CofferError(ErrorCode.Config, `not a host name or IP address: ${JSON.stringify(raw)}`);
    }
  }
  if (names.length === 0) throw new CofferError(ErrorCode.Config, 'a server certificate needs at least one host name or IP address');
  return names;
}

/**
 * Issues a server certificate for `hosts` (e.g. ['127.0.0.1', 'localhost',
 * os.hostname()]) with a fresh P-256 key: SAN DNS and IP entries, extended key usage
 * serverAuth, CN the first host.
 * @throws CofferError(Config) for an empty or malformed host list, or an unusable CA.
 */
export async function issueServerCertificate(
  ca: CaMaterial,
  hosts: readonly string[],
  opts: ServerCertificateOptions = {},
): Promise<ServerCertificate> {
  const names = altNames(hosts);
  const keys = await generateKeyPair();
  const issued = await issueLeaf(await openCa(ca), {
    commonName: names[0]?.value ?? '',
    publicKey: keys.publicKey,
    days: opts.days ?? 825,
    now: opts.now ?? Date.now(),
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  return { ...issued, keyPem: privateKeyToPem(keys.privateKey) };
}
