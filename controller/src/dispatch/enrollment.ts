/**
 * Enrollment, whatever the transport the agent will use: checks the request, consumes
 * the one-time token, signs the agent's CSR with the controller's CA and records the
 * agent (with its NATS identity when it takes its jobs over NATS: its NKey user public
 * key, its box key and its site; never a secret). A re-enrollment of a known name
 * replaces the earlier certificate and identity. Errors are ApiErrors (gRPC statuses).
 */
import { randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { Clock } from '@coffer/shared/clock.js';
import type { EnrollRequest, EnrollResponse } from '@coffer/shared/gen/coffer/v1/agent.js';
import { siteToken } from '@coffer/shared/nats/subjects.js';
import { AGENT_URI_SCHEME, signClientCertificate, type CaMaterial } from '@coffer/shared/pki/index.js';
import type { AgentNatsIdentity } from '../catalog/agents.js';
import type { Catalog } from '../catalog/catalog.js';
import { ApiError, invalid } from '../api/api-error.js';
import { checkName } from '../api/validate.js';
import { AGENT_CERT_DAYS } from '../defaults.js';
import type { Logger } from '../observability/log.js';

/** What enrollment needs. */
export interface EnrollmentDeps {
  readonly catalog: Catalog;
  readonly ca: CaMaterial;
  readonly clock: Clock;
  readonly log: Logger;
  /** The NATS URL agents are served on; empty when the controller has none. */
  readonly natsUrl: string;
}

/** The NATS identity of a request for the NATS transport (undefined for gRPC). */
function natsIdentity(d: EnrollmentDeps, req: EnrollRequest): AgentNatsIdentity | undefined {
  if (req.transport === '' || req.transport === 'grpc') return undefined;
  if (req.transport !== 'nats') throw invalid('transport', `'${req.transport}' is not a transport; use grpc or nats`);
  if (d.natsUrl === '') throw new ApiError(status.FAILED_PRECONDITION, 'this controller serves no agents over NATS; start it with --nats nats://HOST:PORT');
  if (!/^U[A-Z2-7]{55}$/.test(req.natsPublicKey)) throw invalid('nats_public_key', 'not an NKey user public key');
  const box = Buffer.from(req.boxPublicKey, 'base64');
  if (box.length !== 32) throw invalid('box_public_key', 'not a 32-byte X25519 public key (base64)');
  return { natsKey: req.natsPublicKey, boxKey: box.toString('base64'), site: siteToken(req.site) };
}

/** Enrolls an agent. */
export async function enrollAgent(d: EnrollmentDeps, req: EnrollRequest): Promise<EnrollResponse> {
  checkName('name', req.name);
  if (!/^cft1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(req.token)) throw invalid('token', 'not an enrollment token; create one with coffer ctl token create');
  if (req.csrPem === '') throw invalid('csr_pem', 'missing certificate request');
  const nats = natsIdentity(d, req);
  const now = d.clock.now();
  const existing = d.catalog.agents.byName(req.name);
  const id = existing?.id ?? randomBytes(8).toString('hex');
  if (!d.catalog.tokens.consume(req.token, now, req.name)) {
    throw new ApiError(status.PERMISSION_DENIED, 'the enrollment token is unknown, already used or expired; create a new one with coffer ctl token create');
  }
  let issued;
  try {
    issued = await signClientCertificate(d.ca, req.csrPem, { commonName: req.name, uri: `${AGENT_URI_SCHEME}:${id}`, days: AGENT_CERT_DAYS });
  } catch (err) {
    throw invalid('csr_pem', err instanceof Error ? err.message : String(err));
  }
  if (existing) d.catalog.agents.replaceCertificate(req.name, issued.serial, issued.notAfter, now, nats);
  else d.catalog.agents.add({ id, name: req.name, certSerial: issued.serial, certExpiresMs: issued.notAfter, enrolledMs: now, nats });
  d.log.info({ agent: req.name, serial: issued.serial, reenrolled: existing !== undefined, transport: nats ? 'nats' : 'grpc' }, 'agent enrolled');
  return { agentId: id, certificatePem: issued.certPem, caPem: d.ca.certPem, natsUrl: nats ? d.natsUrl : '' };
}
