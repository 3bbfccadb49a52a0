/**
 * Checking a client certificate against the controller's CA, and reading who it names.
 *
 * Guarantees: a certificate is accepted only when it is signed by the given CA, is
 * within its validity period at `nowMs`, is an end-entity certificate for TLS client
 * authentication, and carries exactly one SAN URI. Every refusal is a
 * CofferError(Permission) whose message says which of these failed. Revocation is not
 * checked here: the caller looks the serial up in its catalog.
 */
import { CofferError, ErrorCode } from '../errors.js';
import { parseCertificate } from './ca.js';
import { x509 } from './x509.js';

/** Who a verified client certificate names. */
export interface ClientIdentity {
  /** Serial number, lower-case hex, as issued. */
  readonly serial: string;
  readonly commonName: string;
  /** The SAN URI, e.g. `coffer-agent:<id>`. */
  readonly uri: string;
  /** Expiry, ms since the epoch. */
  readonly notAfter: number;
}

function refuse(message: string, cause?: unknown): CofferError {
  return new CofferError(ErrorCode.Permission, `client certificate refused: ${message}`, { cause });
}

async function signedBy(cert: x509.X509Certificate, ca: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== ca.subject) return false;
  try {
    return await cert.verify({ publicKey: ca.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

/**
 * Verifies `cert` (DER bytes, e.g. a TLS peer certificate's `raw`, or PEM) against the CA
 * certificate at time `nowMs`, and returns the identity it carries.
 * @throws CofferError(Permission) when the certificate is refused; CofferError(Config)
 * when `caCertPem` is not a certificate.
 */
export async function verifyClientCertificate(cert: string | Uint8Array, caCertPem: string, nowMs: number): Promise<ClientIdentity> {
  const ca = parseCertificate(caCertPem, 'the CA certificate');
  let c: x509.X509Certificate;
  try {
    c = new x509.X509Certificate(cert);
  } catch (err) {
    throw refuse('not an X.509 certificate', err);
  }
  const who = `"${c.subject}" (serial ${c.serialNumber.toLowerCase()})`;
  if (!(await signedBy(c, ca))) throw refuse(`${who} was not issued by this controller's CA (issuer "${c.issuer}")`);
  if (nowMs < c.notBefore.getTime()) throw refuse(`${who} is not valid until ${c.notBefore.toISOString()}`);
  if (nowMs > c.notAfter.getTime()) throw refuse(`${who} expired on ${c.notAfter.toISOString()}`);
  if (c.getExtension(x509.BasicConstraintsExtension)?.ca === true) throw refuse(`${who} is a CA certificate`);
  const usages = c.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
  if (!usages.includes(x509.ExtendedKeyUsage.clientAuth)) throw refuse(`${who} is not a client certificate (no clientAuth usage)`);
  const uris = (c.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? []).filter((n) => n.type === 'url');
  if (uris.length !== 1 || uris[0] === undefined) throw refuse(`${who} has ${uris.length} SAN URIs, not one`);
  return {
    serial: c.serialNumber.toLowerCase(),
    commonName: c.subjectName.getField('CN')[0] ?? '',
    uri: uris[0].value,
    notAfter: c.notAfter.getTime(),
  };
}
