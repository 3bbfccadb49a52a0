/**
 * Certificates for clients of the controller: agents (after enrollment) and API
 * clients that authenticate with a certificate instead of the admin token.
 *
 * Guarantees: the CSR's self-signature is checked before anything is signed, so the
 * requester holds the private key; nothing of the CSR but its public key is used (the
 * subject and names come from the caller, who has authenticated the request); the
 * certificate is good for TLS client authentication only.
 */
import { CofferError, ErrorCode } from '../errors.js';
import { openCa, type CaMaterial } from './ca.js';
import { issueLeaf, type IssuedCertificate } from './issuer.js';
import { x509 } from './x509.js';

/** URI schemes that name who a client certificate belongs to. */
export const AGENT_URI_SCHEME = 'coffer-agent';
export const CLIENT_URI_SCHEME = 'coffer-client';

/** Options of {@link signClientCertificate}. */
export interface ClientCertificateOptions {
  /** The subject's common name, e.g. the agent's name. */
  readonly commonName: string;
  /** The one SAN URI, e.g. `coffer-agent:<id>` or `coffer-client:<name>`. */
  readonly uri: string;
  /** Lifetime in days. */
  readonly days: number;
  /** The time of issue, ms since the epoch. @default Date.now() */
  readonly now?: number;
}

const URI = /^[a-z][a-z0-9+.-]*:[^\s]+$/i;

/** Curves and key sizes a client may use for its key. */
function checkKey(key: x509.PublicKey): void {
  const alg = key.algorithm as { name: string; namedCurve?: string; modulusLength?: number };
  const ok =
    (alg.name === 'ECDSA' && (alg.namedCurve === 'P-256' || alg.namedCurve === 'P-384')) ||
    (alg.name.startsWith('RSA') && (alg.modulusLength ?? 0) >= 2048);
  if (!ok) {
    throw new CofferError(ErrorCode.Config, `the CSR's key (${JSON.stringify(alg)}) is not ECDSA P-256/P-384 or RSA of 2048 bits or more`);
  }
}

/**
 * Parses a PEM CSR and checks its signature.
 * @throws CofferError(Corrupt) when it is not a CSR or its signature does not verify.
 */
export async function verifiedCsr(csrPem: string): Promise<x509.Pkcs10CertificateRequest> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (err) {
    throw new CofferError(ErrorCode.Corrupt, 'the certificate signing request is not a PKCS#10 request', { cause: err });
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch (err) {
    throw new CofferError(ErrorCode.Corrupt, 'the certificate signing request cannot be verified', { cause: err });
  }
  if (!valid) throw new CofferError(ErrorCode.Corrupt, 'the certificate signing request has a bad signature');
  return csr;
}

/**
 * Signs a client certificate for the key in `csrPem`: subject CN `commonName`, SAN URI
 * `uri`, extended key usage clientAuth, a random 16-byte serial.
 * @throws CofferError(Corrupt) for a CSR that does not parse or verify, CofferError(Config)
 * for a bad argument, an unsupported key or an unusable CA.
 */
export async function signClientCertificate(ca: CaMaterial, csrPem: string, opts: ClientCertificateOptions): Promise<IssuedCertificate> {
  if (!URI.test(opts.uri)) {
    throw new CofferError(ErrorCode.Config, `client certificate URI must look like scheme:name, got ${JSON.stringify(opts.uri)}`);
  }
  const csr = await verifiedCsr(csrPem);
  checkKey(csr.publicKey);
  return issueLeaf(await openCa(ca), {
    commonName: opts.commonName,
    publicKey: csr.publicKey,
    days: opts.days,
    now: opts.now ?? Date.now(),
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: opts.uri }]),
    ],
  });
}
