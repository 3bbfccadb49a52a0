/**
 * The agent's data folder: agent.json (controller address, name, id, labels, job
 * limit), key.pem (0600, never leaves the machine), cert.pem and ca.pem; plus the job
 * runner's outbox/, running/, tmp/ and passphrases.json. Files are written atomically.
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
}

/** Everything the agent needs to connect. */
export interface AgentIdentity extends AgentConfig {
  readonly dataDir: string;
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** Saves an enrollment. */
export function saveIdentity(id: AgentIdentity): void {
  fs.mkdirSync(id.dataDir, { recursive: true, mode: 0o700 });
  const f = (n: string): string => path.join(id.dataDir, n);
  writeFileAtomic(f('key.pem'), id.keyPem, 0o600);
  writeFileAtomic(f('cert.pem'), id.certPem, 0o644);
  writeFileAtomic(f('ca.pem'), id.caPem, 0o644);
  const cfg: AgentConfig = { controller: id.controller, name: id.name, agentId: id.agentId, labels: id.labels, maxJobs: id.maxJobs };
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
    return { ...cfg, labels: cfg.labels ?? {}, maxJobs: cfg.maxJobs ?? 0, dataDir, caPem: fs.readFileSync(f('ca.pem'), 'utf8'), certPem: fs.readFileSync(f('cert.pem'), 'utf8'), keyPem: fs.readFileSync(f('key.pem'), 'utf8') };
  } catch (err) {
    throw new CofferError(ErrorCode.Config, `the enrollment in ${dataDir} is incomplete (${(err as NodeJS.ErrnoException).code ?? String(err)}); enroll again with a new token`);
  }
}
