/**
 * The PKI and mutual TLS shared by the controller and the agent: the controller's own
 * CA, enrollment (agent key + CSR, signed into a client certificate), the controller's
 * server certificate, client certificate verification, and gRPC credentials for one
 * port where a client certificate is requested but not required. Tokens, the catalog
 * and revocation belong to the controller.
 */
export { createCa, type CaMaterial, type CreateCaOptions } from './ca.js';
export { createKeyAndCsr, type KeyAndCsr } from './csr.js';
export {
  signClientCertificate,
  AGENT_URI_SCHEME,
  CLIENT_URI_SCHEME,
  type ClientCertificateOptions,
} from './client-cert.js';
export { issueServerCertificate, type ServerCertificate, type ServerCertificateOptions } from './server-cert.js';
export type { IssuedCertificate } from './issuer.js';
export { verifyClientCertificate, type ClientIdentity } from './verify.js';
export { TLS_SERVER_POLICY } from './tls-policy.js';
export {
  serverCredentials,
  channelCredentials,
  peerCertificate,
  peerIdentity,
  type ServerTls,
  type CallWithAuth,
} from './grpc-tls.js';
