/**
 * Who is calling. API clients present the admin token (metadata "authorization: Bearer
 * <token>", compared in constant time) or a client certificate of the controller's CA
 * naming `coffer-client:<name>`; agents present their certificate (`coffer-agent:<id>`),
 * whose serial must be the agent's current one and not revoked. Everything else is
 * refused with UNAUTHENTICATED (no credentials) or PERMISSION_DENIED (credentials that
 * do not grant this). Tokens and client certificates are admins (roles.ts); a client
 * certificate's principal is named `cert:<name>`.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { status, type Metadata } from '@grpc/grpc-js';
import type { Clock } from '@coffer/shared/clock.js';
import { AGENT_URI_SCHEME, CLIENT_URI_SCHEME, peerIdentity, type CallWithAuth } from '@coffer/shared/pki/index.js';
import type { Catalog } from '../catalog/catalog.js';
import type { AgentRecord } from '../catalog/agents.js';
import type { Principal } from '@coffer/shared/rpc/service.js';
import { ApiError } from './api-error.js';

/** The caller holding the admin token (a name no catalog name can take). */
export const ADMIN_TOKEN: Principal = { name: '(admin token)', role: 'admin' };

type Call = CallWithAuth & { readonly metadata: Metadata };

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Checks callers against the admin token, the CA and the catalog. */
export class Authenticator {
  private readonly tokenDigest: Buffer;

  constructor(
    adminToken: string,
    private readonly caPem: string,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {
    this.tokenDigest = digest(adminToken);
  }

  private async identity(call: Call): Promise<{ uri: string; serial: string } | undefined> {
    try {
      return await peerIdentity(call, this.caPem, this.clock.now());
    } catch (err) {
      throw new ApiError(status.PERMISSION_DENIED, err instanceof Error ? err.message : String(err));
    }
  }

  /** An API client: the admin token or a client certificate, both admins. */
  async requireClient(call: Call): Promise<Principal> {
    const auth = call.metadata.get('authorization')[0];
    if (typeof auth === 'string' && auth !== '') {
      const m = /^Bearer\s+(\S+)$/.exec(auth);
      if (m && timingSafeEqual(digest(m[1] as string), this.tokenDigest)) return ADMIN_TOKEN;
      throw new ApiError(status.UNAUTHENTICATED, 'the admin token is wrong; use the one in the controller\'s DATA/admin.token (COFFER_TOKEN or --token)');
    }
    const id = await this.identity(call);
    if (id?.uri.startsWith(`${CLIENT_URI_SCHEME}:`)) return { name: `cert:${id.uri.slice(CLIENT_URI_SCHEME.length + 1)}`, role: 'admin' };
    if (id) throw new ApiError(status.PERMISSION_DENIED, 'an agent certificate does not give access to the API; use the admin token or a client certificate');
    throw new ApiError(status.UNAUTHENTICATED, 'no credentials: give the admin token (COFFER_TOKEN or --token) or a client certificate');
  }

  /** An enrolled, unrevoked agent with its current certificate. */
  async requireAgent(call: Call): Promise<AgentRecord> {
    const id = await this.identity(call);
    if (!id) throw new ApiError(status.UNAUTHENTICATED, 'agents must present their certificate (enroll first: coffer agent enroll)');
    if (!id.uri.startsWith(`${AGENT_URI_SCHEME}:`)) throw new ApiError(status.PERMISSION_DENIED, 'this certificate is not an agent certificate');
    const agent = this.catalog.agents.byId(id.uri.slice(AGENT_URI_SCHEME.length + 1));
    if (!agent) throw new ApiError(status.PERMISSION_DENIED, 'this agent is not enrolled here');
    if (agent.revoked) throw new ApiError(status.PERMISSION_DENIED, `agent ${agent.name} has been revoked; enroll it again with a new token`);
    if (agent.certSerial !== id.serial) throw new ApiError(status.PERMISSION_DENIED, `this certificate of agent ${agent.name} was replaced by a newer enrollment`);
    return agent;
  }
}
