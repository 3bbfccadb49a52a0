/**
 * `coffer agent enroll`: makes a key pair here, sends a CSR with the one-time token to
 * the controller (TLS, server verified against ca.pem or the token's pinned CA), and
 * saves the certificate it gets back with the key in the agent's data folder. With
 * `transport: 'nats'` it also makes its NATS identity here (an NKey user and an X25519
 * box key pair; only the public halves are sent) and records the NATS URL and site.
 */
import fs from 'node:fs';
import { Metadata } from '@grpc/grpc-js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { AgentServiceClient, type EnrollResponse } from '@coffer/shared/gen/coffer/v1/agent.js';
import { channelCredentials, createKeyAndCsr } from '@coffer/shared/pki/index.js';
import { saveIdentity, type AgentIdentity } from './agent-files.js';
import { fetchPinnedCa, tokenPin } from './fetch-ca.js';
import { splitHostPort } from '@coffer/shared/host-port.js';
import { grpcFailure } from './grpc-errors.js';
import { createUser } from '@nats-io/nkeys';
import { siteToken } from '@coffer/shared/nats/subjects.js';
import { newBoxKeyPair } from './channel/box.js';

/** What enrollment needs. */
export interface EnrollOptions {
  readonly controller: string;
  readonly token: string;
  readonly name: string;
  readonly dataDir: string;
  /** The controller's CA (its DATA/ca.pem); without it the token's pin is used. */
  readonly caFile?: string;
  readonly labels?: Record<string, string>;
  readonly maxJobs?: number;
  /** @default 'grpc' */
  readonly transport?: 'grpc' | 'nats';
  /** NATS URL; default: the one the controller announces. */
  readonly natsUrl?: string;
}

/** The NATS identity of a new enrollment. */
function natsIdentity(): { seed: string; publicKey: string; boxPublic: string; boxSecret: string } {
  const kp = createUser();
  const seed = new TextDecoder().decode(kp.getSeed());
  const publicKey = kp.getPublicKey();
  kp.clear();
  return { seed, publicKey, ...newBoxKeyPair() };
}

/** Enrolls; resolves with the saved identity. */
export async function enroll(o: EnrollOptions): Promise<AgentIdentity> {
  const pin = tokenPin(o.token);
  const { host, port } = splitHostPort(o.controller, '--controller');
  const caPem = o.caFile !== undefined ? readCa(o.caFile) : await fetchPinnedCa(host, port, pin);
  const { keyPem, csrPem } = await createKeyAndCsr(o.name);
  const nats = o.transport === 'nats' ? natsIdentity() : undefined;
  const site = siteToken(o.labels?.site);
  const client = new AgentServiceClient(o.controller, channelCredentials(caPem));
  let res: EnrollResponse;
  try {
    res = await new Promise<EnrollResponse>((resolve, reject) => {
      client.enroll({ token: o.token, name: o.name, csrPem, transport: o.transport ?? '', natsPublicKey: nats?.publicKey ?? '', boxPublicKey: nats?.boxPublic ?? '', site: nats ? site : '' }, new Metadata(), { deadline: Date.now() + 30_000 }, (err, r) => (err ? reject(grpcFailure(err, o.controller)) : resolve(r)));
    });
  } finally {
    client.close();
  }
  const natsUrl = o.natsUrl ?? res.natsUrl;
  if (nats && natsUrl === '') throw new CofferError(ErrorCode.Config, `the controller ${o.controller} announces no NATS URL; give --nats nats://HOST:PORT`);
  const id: AgentIdentity = {
    controller: o.controller,
    name: o.name,
    agentId: res.agentId,
    labels: o.labels ?? {},
    maxJobs: o.maxJobs ?? 0,
    dataDir: o.dataDir,
    caPem: res.caPem || caPem,
    certPem: res.certificatePem,
    keyPem,
    ...(nats ? { transport: 'nats' as const, natsUrl, site, natsSecrets: { seed: nats.seed, boxPublic: nats.boxPublic, boxSecret: nats.boxSecret } } : {}),
  };
  saveIdentity(id);
  return id;
}

function readCa(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CofferError(ErrorCode.Usage, `cannot read --ca ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
