/**
 * TLS for gRPC on one port: server credentials that ask every client for a certificate
 * but do not require one, client credentials, and reading the verified client
 * certificate of a call.
 *
 * Why not `ServerCredentials.createSsl`: in grpc-js 1.14 its `checkClientCertificate`
 * only sets Node's `requestCert`, and Node's `rejectUnauthorized` then defaults to true,
 * so `true` refuses at TLS every client without a certificate from the CA (enrollment,
 * token-authenticated API calls) and `false` never asks for one (agents could not
 * authenticate). The options were:
 *   1. `experimental.createCertificateProviderServerCredentials(identity, ca, false)`:
 *      public (under `experimental`), made for exactly this (it sets requestCert: true,
 *      rejectUnauthorized: false), fed by the `CertificateProvider` interface.
 *   2. A subclass of `ServerCredentials` passing { requestCert: true,
 *      rejectUnauthorized: false } to its constructor and implementing `_equals`:
 *      depends on underscore methods and on how the server merges constructor options.
 *   3. Mutating the options object `createSsl` returns: depends on private state.
 * We take 1, the least fragile: the behaviour is a documented parameter, not an
 * internal detail. Its exported function names its first two parameters
 * (caCertificateProvider, identityCertificateProvider) the other way round from the
 * constructor they are passed to (identity first); we pass one provider serving both,
 * so the order cannot matter. The e2e test (test/src/e2e/mtls.test.ts) pins the
 * behaviour: a client without a certificate gets through, one with a certificate is
 * identified.
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
import { experimental, type ServerCredentials, type ServerUnaryCall } from '@grpc/grpc-js';
import { verifyClientCertificate, type ClientIdentity } from './verify.js';

/** The server's TLS material, PEM. */
export interface ServerTls {
  /** The CA that client certificates must chain to. */
  readonly caPem: string;
  /** The server's certificate (chain). */
  readonly certPem: string;
  readonly keyPem: string;
}

type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

/**
 * A CertificateProvider with fixed material. Each listener gets it in a microtask after
 * it is added, not during `add...Listener`: grpc-js adds the provider's listeners before
 * it registers the server's own watcher, so an update delivered synchronously would be
 * lost and the server would drop every connection for "unloaded credentials" (found by
 * the e2e test). The microtask runs before the listening socket can accept anything.
 */
class StaticProvider implements experimental.CertificateProvider {
  private readonly listening = new Set<unknown>();
  constructor(private readonly tls: ServerTls) {}

  private deliver<L>(listener: L, send: (l: L) => void): void {
    this.listening.add(listener);
    queueMicrotask(() => {
      if (this.listening.has(listener)) send(listener);
    });
  }
  addCaCertificateListener(listener: CaListener): void {
    this.deliver(listener, (l) => l({ caCertificate: Buffer.from(this.tls.caPem) }));
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.listening.delete(listener);
  }
  addIdentityCertificateListener(listener: IdentityListener): void {
    this.deliver(listener, (l) => l({ certificate: Buffer.from(this.tls.certPem), privateKey: Buffer.from(this.tls.keyPem) }));
  }
  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.listening.delete(listener);
  }
}

/**
 * Server credentials that request a client certificate but do not require one. Every
 * connection is TLS; whether it carries a verified client certificate is up to the
 * client, and each method decides whether it needs one (see {@link peerIdentity}).
 */
export function serverCredentials(tls: ServerTls): ServerCredentials {
  const provider = new StaticProvider(tls);
  return experimental.createCertificateProviderServerCredentials(provider, provider, false);
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
