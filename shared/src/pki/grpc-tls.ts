/**
 * TLS for gRPC on one port: server credentials that ask every client for a certificate
 * but do not require one, client credentials, and reading the verified client
 * certificate of a call.
 *
 * Why not `ServerCredentials.createSsl`: in grpc-js 1.14 its `checkClientCertificate`
 * only sets Node's `requestCert`, and Node's `rejectUnauthorized` then defaults to true,
 * so `true` refuses at TLS every client without a certificate from the CA (enrollment,
 * token-authenticated API calls) and `false` never asks for one (agents could not
 * authenticate). Nor `experimental.createCertificateProviderServerCredentials` (used
 * before issue 8): it builds the secure context from its providers' ca/cert/key only,
 * and grpc-js applies it with `setSecureContext`, which resets `ciphers` and
 * `minVersion` to Node's defaults (TLS 1.2 CBC-SHA1 suites were accepted). We subclass
 * the public abstract `ServerCredentials` through its documented constructor: server
 * options { requestCert: true, rejectUnauthorized: false } plus the TLS policy
 * (tls-policy.ts), and fixed context options (ca, cert, key and the policy again), so
 * the context the server uses always carries the policy; `_equals` (the one abstract
 * method) is identity. The e2e tests pin the behaviour: test/src/e2e/mtls.test.ts (a
 * client without a certificate gets through, one with a certificate is identified) and
 * test/src/e2e/tls-policy.test.ts (CBC-SHA1 and TLS 1.1 refused, TLS 1.3 and 1.2 GCM
 * accepted).
 *
 * What a handler sees: grpc-js's `call.getAuthContext()` gives `sslPeerCertificate`
 * only when Node marked the TLS socket `authorized`, i.e. the client presented a
 * certificate that chains to the CA, is within its dates and (OpenSSL's purpose check)
 * allows client authentication. A client presenting a
 * certificate from another CA is therefore indistinguishable from one presenting none:
 * methods that need a certificate refuse both; enrollment (token-authenticated) lets
 * both through, which gives them nothing they could not get without the certificate.
 * {@link peerIdentity} re-checks the certificate with {@link verifyClientCertificate}
 * (client usage, SAN URI) rather than trust that check alone.
 */
import { ServerCredentials, type ServerUnaryCall } from '@grpc/grpc-js';
import { TLS_SERVER_POLICY } from './tls-policy.js';
import { verifyClientCertificate, type ClientIdentity } from './verify.js';

/** The server's TLS material, PEM. */
export interface ServerTls {
  /** The CA that client certificates must chain to. */
  readonly caPem: string;
  /** The server's certificate (chain). */
  readonly certPem: string;
  readonly keyPem: string;
}

/**
 * Server credentials that request a client certificate but do not require one. Every
 * connection is TLS (1.3, or 1.2 with AEAD suites); whether it carries a verified client
 * certificate is up to the client, and each method decides whether it needs one (see
 * {@link peerIdentity}).
 */
class MtlsServerCredentials extends ServerCredentials {
  constructor(tls: ServerTls) {
    super(
      { requestCert: true, rejectUnauthorized: false, ...TLS_SERVER_POLICY },
      { ca: Buffer.from(tls.caPem), cert: Buffer.from(tls.certPem), key: Buffer.from(tls.keyPem), ...TLS_SERVER_POLICY },
    );
  }
  _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

/** See {@link MtlsServerCredentials}. */
export function serverCredentials(tls: ServerTls): ServerCredentials {
  return new MtlsServerCredentials(tls);
}

export { channelCredentials } from './channel-credentials.js';

/** Anything that has a gRPC server call's auth context (unary, streaming or duplex calls). */
export type CallWithAuth = Pick<ServerUnaryCall<unknown, unknown>, 'getAuthContext'>;

/**
 * The DER bytes of the client certificate that TLS verified against the CA on this
 * call's connection, or undefined when there is none (none presented, or one TLS did
 * not accept).
 */
export function peerCertificate(call: CallWithAuth): Buffer | undefined {
  const raw = call.getAuthContext().sslPeerCertificate?.raw;
  return raw !== undefined && raw.length > 0 ? raw : undefined;
}

/**
 * Who the call's client certificate names, or undefined when the call carries no
 * verified certificate. The caller still checks the serial against its revocation list.
 * @throws CofferError(Permission) when a certificate is present but refused by
 * {@link verifyClientCertificate} (not a client certificate, no SAN URI, ...).
 */
export async function peerIdentity(call: CallWithAuth, caPem: string, nowMs: number): Promise<ClientIdentity | undefined> {
  const der = peerCertificate(call);
  return der === undefined ? undefined : verifyClientCertificate(der, caPem, nowMs);
}
