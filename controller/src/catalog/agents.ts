/** Enrolled agents: identity, certificate, what they declared at their last Hello, revocation. */
import type { Agent } from '@coffer/shared/gen/coffer/v1/controller.js';
import { prepared, type Db } from './db.js';
import { parseJson } from './json.js';

interface AgentRow {
  id: string;
  name: string;
  labels: string;
  version: string;
  hostname: string;
  max_jobs: number;
  local_stores: string;
  cert_serial: string;
  cert_expires_ms: number;
  enrolled_ms: number;
  last_seen_ms: number;
  revoked_ms: number | null;
  transport: string;
  nats_key: string;
  box_key: string;
  site: string;
}

/** An agent as the catalog knows it (connection state is the dispatcher's). */
export interface AgentRecord extends Omit<Agent, 'connected' | 'runningJobs' | 'site' | 'siteUnreachableSinceMs'> {
  readonly localStores: readonly string[];
  /** NATS transport: the NKey user public key, the X25519 box key (base64) and the site token. */
  readonly nats: AgentNatsIdentity | undefined;
}

/** An agent's NATS identity (public parts only). */
export interface AgentNatsIdentity {
  readonly natsKey: string;
  readonly boxKey: string;
  readonly site: string;
}

function toRecord(r: AgentRow): AgentRecord {
  return {
    id: r.id,
    name: r.name,
    labels: parseJson<Record<string, string>>(r.labels, {}),
    lastSeenMs: r.last_seen_ms,
    version: r.version,
    hostname: r.hostname,
    revoked: r.revoked_ms !== null,
    maxJobs: r.max_jobs,
    enrolledMs: r.enrolled_ms,
    certSerial: r.cert_serial,
    certExpiresMs: r.cert_expires_ms,
    localStores: parseJson<string[]>(r.local_stores, []),
    transport: r.transport,
    nats: r.transport === 'nats' ? { natsKey: r.nats_key, boxKey: r.box_key, site: r.site } : undefined,
  };
}

/** The agent table. */
export class AgentTable {
  constructor(private readonly db: Db) {}

  add(a: { id: string; name: string; certSerial: string; certExpiresMs: number; enrolledMs: number; nats?: AgentNatsIdentity | undefined }): void {
    prepared(this.db, 'INSERT INTO agents (id, name, cert_serial, cert_expires_ms, enrolled_ms, transport, nats_key, box_key, site) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(a.id, a.name, a.certSerial, a.certExpiresMs, a.enrolledMs, a.nats ? 'nats' : 'grpc', a.nats?.natsKey ?? '', a.nats?.boxKey ?? '', a.nats?.site ?? '');
  }

  /** Re-enrollment of a known name: a new certificate (and NATS identity) replaces the old one (which stops working). */
  replaceCertificate(name: string, certSerial: string, certExpiresMs: number, enrolledMs: number, nats?: AgentNatsIdentity): void {
    prepared(this.db, 'UPDATE agents SET cert_serial = ?, cert_expires_ms = ?, enrolled_ms = ?, revoked_ms = NULL, transport = ?, nats_key = ?, box_key = ?, site = ? WHERE name = ?')
      .run(certSerial, certExpiresMs, enrolledMs, nats ? 'nats' : 'grpc', nats?.natsKey ?? '', nats?.boxKey ?? '', nats?.site ?? '', name);
  }

  byName(name: string): AgentRecord | undefined {
    const r = prepared(this.db, 'SELECT * FROM agents WHERE name = ?').get(name) as AgentRow | undefined;
    return r ? toRecord(r) : undefined;
  }

  byId(id: string): AgentRecord | undefined {
    const r = prepared(this.db, 'SELECT * FROM agents WHERE id = ?').get(id) as AgentRow | undefined;
    return r ? toRecord(r) : undefined;
  }

  list(): AgentRecord[] {
    return (prepared(this.db, 'SELECT * FROM agents ORDER BY name').all() as AgentRow[]).map(toRecord);
  }

  /** Records what the agent declared when it connected. */
  hello(id: string, h: { version: string; hostname: string; labels: Record<string, string>; maxJobs: number; localStores: readonly string[]; nowMs: number }): void {
    prepared(this.db, 'UPDATE agents SET version = ?, hostname = ?, labels = ?, max_jobs = ?, local_stores = ?, last_seen_ms = ? WHERE id = ?')
      .run(h.version, h.hostname, JSON.stringify(h.labels), h.maxJobs, JSON.stringify(h.localStores), h.nowMs, id);
  }

  seen(id: string, nowMs: number): void {
    prepared(this.db, 'UPDATE agents SET last_seen_ms = ? WHERE id = ?').run(nowMs, id);
  }

  revoke(name: string, nowMs: number): boolean {
    return prepared(this.db, 'UPDATE agents SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL').run(nowMs, name).changes === 1;
  }
}
