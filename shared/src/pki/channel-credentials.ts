/**
 * gRPC client credentials for the controller's port. Kept apart from the rest of the PKI
 * so that clients that only connect (`coffer ctl`, the agent) do not load the X.509
 * library, which costs about a second at start.
 */
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';

/**
 * Client credentials trusting only `caPem`, with the client certificate and key when
 * given (agents, certificate-authenticated API clients) or none (enrollment,
 * token-authenticated API clients).
 */
export function channelCredentials(caPem: string, certPem?: string, keyPem?: string): ChannelCredentials {
  if ((certPem === undefined) !== (keyPem === undefined)) {
    throw new TypeError('channelCredentials: a client certificate needs its key, and a key its certificate');
  }
  return credentials.createSsl(
    Buffer.from(caPem),
    keyPem === undefined ? null : Buffer.from(keyPem),
    certPem === undefined ? null : Buffer.from(certPem),
  );
}

