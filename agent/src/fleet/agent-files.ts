/**
 * The agent's data folder: agent.json (controller address, name, id, labels, job
 * limit, transport), key.pem (0600, never leaves the machine), cert.pem and ca.pem; for the
 * NATS transport also nats.nk (the NKey user seed) and box.key (the X25519 key pair secrets
 * sent with jobs are sealed to), both 0600; plus the job runner's outbox/, running/, tmp/,
 * passphrases.json and (NATS) ledger.json. Files are written atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync as writeFileAtomic } from '@coffer/shared/atomic-file.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** What agent.json holds. */
export interface AgentConfig {
  readonly controller: string;
  readonly name: string;
  readonly agentId: string;
  readonly labels: Record<string, string>;
  /** 0: the controller's default. */
  readonly maxJobs: number;
  /** How jobs arrive. @default 'grpc' */
  readonly transport?: 'grpc' | 'nats';
  /** NATS transport: the server URL and the agent's site token. */
  readonly natsUrl?: string;
  readonly site?: string;
}

/** The agent's NATS secrets (NATS transport only). */
export interface AgentNatsSecrets {
  /** NKey user seed (SU...). */
  readonly seed: string;
  /** X25519 key pair, base64. */
  readonly boxPublic: string;
  readonly boxSecret: string;
}

/** Everything the agent needs to connect. */
export interface AgentIdentity extends AgentConfig {
  readonly dataDir: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
  readonly natsSecrets?: AgentNatsSecrets;
}

/** Saves an enrollment. */
export function saveIdentity(id: AgentIdentity): void {
  fs.mkdirSync(id.dataDir, { recursive: true, mode: 0o700 });
  const f = (n: string): string => path.join(id.dataDir, n);
  writeFileAtomic(f('key.pem'), id.keyPem, 0o600);
  writeFileAtomic(f('cert.pem'), id.certPem, 0o644);
  writeFileAtomic(f('ca.pem'), id.caPem, 0o644);
  if (id.natsSecrets) {
    writeFileAtomic(f('nats.nk'), id.natsSecrets.seed + '\n', 0o600);
    writeFileAtomic(f('box.key'), JSON.stringify({ public: id.natsSecrets.boxPublic, secret: id.natsSecrets.boxSecret }) + '\n', 0o600);
  }
  const cfg: AgentConfig = {
    controller: id.controller,
    name: id.name,
    agentId: id.agentId,
    labels: id.labels,
    maxJobs: id.maxJobs,
    transport: id.transport ?? 'grpc',
    ...(id.natsUrl !== undefined ? { natsUrl: id.natsUrl } : {}),
    ...(id.site !== undefined ? { site: id.site } : {}),
  };
  writeFileAtomic(f('agent.json'), JSON.stringify(cfg, null, 2) + '\n', 0o600);
}

/** Loads the enrollment in `dataDir`; a clear error when there is none. */
export function loadIdentity(dataDir: string): AgentIdentity {
  const f = (n: string): string => path.join(dataDir, n);
  let cfg: AgentConfig;
  try {
    cfg = JSON.parse(fs.readFileSync(f('agent.json'), 'utf8')) as AgentConfig;
  } catch {
    throw new CofferError(ErrorCode.Config, `${dataDir} holds no agent enrollment; run coffer agent enroll --controller HOST:PORT --token T --name N --data ${dataDir}`);
  }
  try {
    const base = { ...cfg, labels: cfg.labels ?? {}, maxJobs: cfg.maxJobs ?? 0, dataDir, caPem: fs.readFileSync(f('ca.pem'), 'utf8'), certPem: fs.readFileSync(f('cert.pem'), 'utf8'), keyPem: fs.readFileSync(f('key.pem'), 'utf8') };
    if (cfg.transport !== 'nats') return base;
    const box = JSON.parse(fs.readFileSync(f('box.key'), 'utf8')) as { public: string; secret: string };
    return { ...base, natsSecrets: { seed: fs.readFileSync(f('nats.nk'), 'utf8').trim(), boxPublic: box.public, boxSecret: box.secret } };
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `the enrollment in ${dataDir} is incomplete (${(err as NodeJS.ErrnoException).code ?? String(err)}); enroll again with a new token`);
  }
}
