/**
 * Signing end-entity certificates with the CA: one place that sets what every leaf
 * certificate has in common (random serial, subject holding only a common name, issuer
 * taken from the CA, basicConstraints not-a-CA, key usage digitalSignature, subject
 * and authority key identifiers). Callers add the extensions of their kind.
 */
import type { webcrypto } from 'node:crypto';
import { validity, type OpenCa } from './ca.js';
import { commonNameOnly, randomSerial, SIGNING_ALGORITHM } from './keys.js';
import { x509 } from './x509.js';

/** A certificate as issued. */
export interface IssuedCertificate {
  /** The certificate, PEM. */
  readonly certPem: string;
  /** Its serial number, 32 lower-case hex digits (as the catalog stores it). */
  readonly serial: string;
  /** Its expiry, ms since the epoch. */
  readonly notAfter: number;
}

/** What varies between leaf certificates. */
export interface LeafRequest {
  readonly commonName: string;
  /** The subject's public key (from a verified CSR, or a key made for it). */
  readonly publicKey: x509.PublicKey | webcrypto.CryptoKey;
  /** Extensions of the certificate's kind: extended key usage, subject alternative names. */
  readonly extensions: readonly x509.Extension[];
  readonly days: number;
  /** The time of issue, ms since the epoch. */
  readonly now: number;
}

/** Signs a leaf certificate for `req` with the CA. */
export async function issueLeaf(ca: OpenCa, req: LeafRequest): Promise<IssuedCertificate> {
  const subject = commonNameOnly(req.commonName);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: ca.cert.subjectName,
    ...validity(req.now, req.days),
    publicKey: req.publicKey,
    signingKey: ca.key,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(req.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
      ...req.extensions,
    ],
  });
  return { certPem: cert.toString('pem'), serial: cert.serialNumber.toLowerCase(), notAfter: cert.notAfter.getTime() };
}
