/**
 * The agent's side of enrollment: a new private key, which never leaves the agent, and
 * a PKCS#10 request carrying its public key, signed with it so the CA can check the
 * agent holds the key.
 */
import { commonNameOnly, generateKeyPair, privateKeyToPem, SIGNING_ALGORITHM } from './keys.js';
import { x509 } from './x509.js';

/** A new key and the request for its certificate. */
export interface KeyAndCsr {
  /** PKCS#8 PEM; to be kept by the agent only (file mode 0600). */
  readonly keyPem: string;
  /** PKCS#10 PEM, for EnrollRequest.csr_pem. */
  readonly csrPem: string;
}

/**
 * Makes an ECDSA P-256 key and a CSR with subject CN `commonName`. The CA decides the
 * certificate's subject itself; the CN here only helps a human reading the request.
 */
export async function createKeyAndCsr(commonName: string): Promise<KeyAndCsr> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: commonNameOnly(commonName),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
  });
  return { keyPem: privateKeyToPem(keys.privateKey), csrPem: csr.toString('pem') };
}
