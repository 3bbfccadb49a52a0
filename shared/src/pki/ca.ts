/**
 * The controller's own certificate authority: a self-signed ECDSA P-256 certificate
 * that may sign end-entity certificates only (path length 0), and its private key.
 * The CA is plain PEM text, so the controller can keep it wherever it keeps secrets.
 */
import { createPublicKey, type webcrypto } from 'node:crypto';
import { CofferError, ErrorCode } from '../errors.js';
import { commonNameOnly, generateKeyPair, importSigningKey, privateKeyToPem, randomSerial, SIGNING_ALGORITHM } from './keys.js';
import { x509 } from './x509.js';

/** A CA as stored: its certificate and its PKCS#8 private key, both PEM. */
export interface CaMaterial {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options of {@link createCa}. */
export interface CreateCaOptions {
  /** Lifetime in days. @default 3653 (ten years) */
  readonly days?: number;
  /** The time of issue, ms since the epoch. @default Date.now() */
  readonly now?: number;
}

/** How far back notBefore is set, so a peer whose clock runs a little late accepts a new certificate. */
export const CLOCK_SKEW_MS = 5 * 60_000;

const DAY_MS = 86_400_000;

/** The validity window of a certificate issued at `now` for `days` days. */
export function validity(now: number, days: number): { notBefore: Date; notAfter: Date } {
  if (!Number.isFinite(days) || days <= 0) {
    throw new CofferError(ErrorCode.Config, `certificate lifetime must be a positive number of days, got ${days}`);
  }
  return { notBefore: new Date(now - CLOCK_SKEW_MS), notAfter: new Date(now + days * DAY_MS) };
}

/**
 * Creates a new CA: a fresh P-256 key and a self-signed certificate with basicConstraints
 * CA (critical, path length 0) and key usage keyCertSign and cRLSign (critical).
 */
export async function createCa(commonName: string, opts: CreateCaOptions = {}): Promise<CaMaterial> {
  const name = commonNameOnly(commonName);
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name,
    ...validity(opts.now ?? Date.now(), opts.days ?? 3653),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: privateKeyToPem(keys.privateKey) };
}

/** A CA ready to sign: its parsed certificate and its imported private key. */
export interface OpenCa {
  readonly cert: x509.X509Certificate;
  readonly key: webcrypto.CryptoKey;
}

/**
 * Parses a CA's certificate and imports its key.
 * @throws CofferError(Config) when either PEM is unusable, the certificate is not a CA,
 * or the key is not the certificate's.
 */
export function openCa(ca: CaMaterial): Promise<OpenCa> {
  // The same CA signs every enrollment: parse and import it once (inputs are immutable PEM text).
  const key = `${ca.certPem}\n${ca.keyPem}`;
  let opened = openedCas.get(key);
  if (!opened) {
    opened = openCaUncached(ca);
    opened.catch(() => openedCas.delete(key));
    if (openedCas.size >= 4) openedCas.clear();
    openedCas.set(key, opened);
  }
  return opened;
}

const openedCas = new Map<string, Promise<OpenCa>>();

async function openCaUncached(ca: CaMaterial): Promise<OpenCa> {
  const cert = parseCertificate(ca.certPem, 'the CA certificate');
  if (cert.getExtension(x509.BasicConstraintsExtension)?.ca !== true) {
    throw new CofferError(ErrorCode.Config, `the CA certificate (${cert.subject}) is not a CA certificate`);
  }
  const key = await importSigningKey(ca.keyPem, 'the CA key');
  const spki = createPublicKey(ca.keyPem).export({ type: 'spki', format: 'der' });
  if (!spki.equals(Buffer.from(cert.publicKey.rawData))) {
    throw new CofferError(ErrorCode.Config, `the CA key does not belong to the CA certificate (${cert.subject})`);
  }
  return { cert, key };
}

/**
 * Parses one certificate, PEM text or DER bytes.
 * @throws CofferError(Config) naming `what` when it is not a certificate.
 */
export function parseCertificate(data: string | Uint8Array, what: string): x509.X509Certificate {
  if (typeof data === 'string') {
    const cached = parsedPem.get(data);
    if (cached) return cached;
    const cert = parseUncached(data, what);
    if (parsedPem.size >= 16) parsedPem.clear();
    parsedPem.set(data, cert);
    return cert;
  }
  return parseUncached(data, what);
}

/** Parsed PEM certificates (the CA's, checked on every agent connection); X509Certificate is immutable. */
const parsedPem = new Map<string, x509.X509Certificate>();

function parseUncached(data: string | Uint8Array, what: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(data);
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `${what} is not an X.509 certificate`, { cause: err });
  }
}
