/**
 * `coffer controller nats-config --data DIR --out FILE [--listen 127.0.0.1:4222]
 * [--store-dir D] [--leaf-listen ADDR] | [--leaf-remote nats-leaf://HUB:7422 --domain DOMAIN --site SITE]`:
 * writes a nats-server (a hub, accepting leaf nodes on --leaf-listen, or a site's leaf with
 * its own JetStream domain and that site's agents only)
 * configuration (JetStream on, file storage) whose users are the controller's NKey
 * (DATA/nats-controller.nk, made on first use; give it to `controller start
 * --nats-creds`) with every permission, and each enrolled, unrevoked NATS agent's NKey
 * with only its own subjects (agentPermissions). Run it again after enrolling or revoking
 * an agent, then reload the server (`nats-server --signal reload`). Writes no secret into
 * the configuration: NKey users are public keys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, str, expectArgs } from '@coffer/shared/cli-args.js';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { splitHostPort } from '@coffer/shared/host-port.js';
import { agentPermissions } from '@coffer/shared/nats/subjects.js';
import { controllerNkey } from '../dispatch/transports/nats/controller-nkey.js';

export const NATS_CONFIG_USAGE =
  'coffer controller nats-config --data DIR --out FILE [--listen 127.0.0.1:4222] [--store-dir DIR] [--leaf-listen 127.0.0.1:7422] | [--leaf-remote nats-leaf://HUB:7422 --domain DOMAIN --site SITE]';

const q = (s: string): string => JSON.stringify(s);

/** The configuration text. */
export function natsServerConfig(o: {
  host: string;
  port: number;
  storeDir: string;
  controllerKey: string;
  agents: readonly { name: string; natsKey: string; site: string; id: string }[];
  leafRemote?: string;
  domain?: string;
  leafListen?: { host: string; port: number };
}): string {
  const users = [`    { nkey: ${q(o.controllerKey)} }  # the controller: every permission`];
  for (const a of o.agents) {
    const p = agentPermissions({ site: a.site, agentId: a.id });
    users.push(`    { nkey: ${q(a.natsKey)}, permissions: { publish: { allow: [${p.publish.map(q).join(', ')}] }, subscribe: { allow: [${p.subscribe.map(q).join(', ')}] } } }  # agent ${a.name}`);
  }
  const leaf = o.leafRemote
    ? `\nleafnodes {\n  remotes = [ { url: ${q(o.leafRemote)} } ]\n}\n`
    : o.leafListen
      ? `\nleafnodes {\n  host: ${q(o.leafListen.host)}\n  port: ${o.leafListen.port}\n}\n`
      : '';
  return `# Written by coffer controller nats-config; run it again after enrolling or revoking agents.
host: ${q(o.host)}
port: ${o.port}
jetstream {
  store_dir: ${q(o.storeDir)}${o.domain ? `\n  domain: ${q(o.domain)}` : ''}
}
authorization {
  users = [
${users.join('\n')}
  ]
}
${leaf}`;
}

export async function natsConfigCmd(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const p = parseArgs(argv, { data: 'string', out: 'string', listen: 'string', 'store-dir': 'string', 'leaf-remote': 'string', domain: 'string', site: 'string', 'leaf-listen': 'string' }, 'controller nats-config');
  expectArgs(p, 0, 0, NATS_CONFIG_USAGE);
  const data = str(p, 'data');
  const file = str(p, 'out');
  if (!data || !file) throw new CofferError(ErrorCode.Usage, `controller nats-config needs --data DIR and --out FILE\nusage: ${NATS_CONFIG_USAGE}`);
  const { host, port } = splitHostPort(str(p, 'listen') ?? '127.0.0.1:4222', '--listen');
  const dataDir = path.resolve(data);
  if (!fs.existsSync(path.join(dataDir, 'catalog.db'))) throw new CofferError(ErrorCode.Config, `${dataDir} is not a controller data folder; give the --data of coffer controller start`);
  const { Catalog } = await import('../catalog/catalog.js');
  const catalog = Catalog.open(dataDir);
  let agents;
  try {
    const site = str(p, 'site');
    agents = catalog.agents.list().flatMap((a) => (a.nats && !a.revoked && (site === undefined || a.nats.site === site) ? [{ name: a.name, id: a.id, natsKey: a.nats.natsKey, site: a.nats.site }] : []));
  } finally {
    catalog.close();
  }
  const key = controllerNkey(dataDir);
  const leafRemote = str(p, 'leaf-remote');
  const domain = str(p, 'domain');
  const leafListenText = str(p, 'leaf-listen');
  const leafListen = leafListenText !== undefined ? splitHostPort(leafListenText, '--leaf-listen') : undefined;
  if ((leafRemote === undefined) !== (domain === undefined)) throw new CofferError(ErrorCode.Usage, `--leaf-remote and --domain go together (a site's leaf node)\nusage: ${NATS_CONFIG_USAGE}`);
  const text = natsServerConfig({ host, port, storeDir: path.resolve(str(p, 'store-dir') ?? path.join(path.dirname(path.resolve(file)), 'jetstream')), controllerKey: key.publicKey, agents, ...(leafRemote ? { leafRemote } : {}), ...(domain ? { domain } : {}), ...(leafListen ? { leafListen } : {}) });
  writeFileAtomicSync(path.resolve(file), text, 0o644);
  out(`wrote ${path.resolve(file)} (${agents.length} NATS agent${agents.length === 1 ? '' : 's'}); start the controller with --nats nats://${host}:${port} --nats-creds ${key.file}`);
  return 0;
}
