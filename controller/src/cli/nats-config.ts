/**
 * `coffer controller nats-config --data DIR --out FILE [--listen 127.0.0.1:4222]
 * [--store-dir D] [--leaf-listen ADDR] | [--leaf-remote nats-leaf://HUB:7422 --domain DOMAIN --site SITE]`:
 * writes a nats-server (a hub, accepting leaf nodes on --leaf-listen, or a site's leaf with
 * its own JetStream domain and that site's agents only)
 * configuration (JetStream on, file storage) whose users are the controller's NKey
 * (DATA/nats-controller.nk, made on first use; give it to `controller start
 * --nats-creds`) with every permission, and each enrolled, unrevoked NATS agent's NKey
 * with only its own subjects (agentPermissions). Run it again after enrolling or revoking
 * an agent, then reload the server (`nats-server --signal reload`). The leaf link is
 * authenticated: the hub lets in one user per site of the enrolled NATS agents
 * (`leaf-<site>`, leaf-secret.ts), and a site's leaf dials the hub as that user. Those
 * passwords are the only secrets the files hold, so they are written with mode 0600;
 * agents' and the controller's NKey users are public keys.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expectArgs, flag, list, parseArgs, str } from '@coffer/shared/cli-args.js';
import { writeFileAtomicSync } from '@coffer/shared/atomic-file.js';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { splitHostPort } from '@coffer/shared/host-port.js';
import { agentPermissions } from '@coffer/shared/nats/subjects.js';
import { controllerNkey } from '../dispatch/transports/nats/controller-nkey.js';
import { leafPassword, leafUser } from '../dispatch/transports/nats/leaf-secret.js';
import { natsTlsBlock } from './nats-tls.js';

export const NATS_CONFIG_USAGE =
  'coffer controller nats-config --data DIR --out FILE [--listen 127.0.0.1:4222] [--store-dir DIR] [--tls [--tls-host NAME ...]] [--leaf-listen 127.0.0.1:7422] | [--leaf-remote nats-leaf://HUB:7422 --domain DOMAIN --site SITE]';

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
  /** The hub's leaf-node users (one per site), or the leaf's own login to the hub. */
  leafLogins?: readonly { user: string; password: string }[];
  /** The `tls` block for clients (nats-tls.ts). */
  tls?: string;
}): string {
  const users = [`    { nkey: ${q(o.controllerKey)} }  # the controller: every permission`];
  for (const a of o.agents) {
    const p = agentPermissions({ site: a.site, agentId: a.id });
    users.push(`    { nkey: ${q(a.natsKey)}, permissions: { publish: { allow: [${p.publish.map(q).join(', ')}] }, subscribe: { allow: [${p.subscribe.map(q).join(', ')}] } } }  # agent ${a.name}`);
  }
  const logins = o.leafLogins ?? [];
  const leafUsers = logins.map((l) => `      { user: ${q(l.user)}, password: ${q(l.password)} }`).join('\n');
  const leaf = o.leafRemote
    ? `\nleafnodes {\n  remotes = [ { url: ${q(withLogin(o.leafRemote, logins[0]))} } ]\n}\n`
    : o.leafListen
      ? `\nleafnodes {\n  host: ${q(o.leafListen.host)}\n  port: ${o.leafListen.port}\n  authorization {\n    users = [\n${leafUsers}\n    ]\n  }\n}\n`
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
${o.tls ?? ''}${leaf}`;
}

/** `url` (nats-leaf://HOST:PORT) with the site's login in it. */
function withLogin(url: string, login: { user: string; password: string } | undefined): string {
  if (!login) return url;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CofferError(ErrorCode.Usage, `--leaf-remote ${url} is not a URL: give nats-leaf://HUB:7422`);
  }
  u.username = encodeURIComponent(login.user);
  u.password = encodeURIComponent(login.password);
  return u.toString().replace(/\/$/, '');
}

export async function natsConfigCmd(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const p = parseArgs(argv, { data: 'string', out: 'string', listen: 'string', 'store-dir': 'string', 'leaf-remote': 'string', domain: 'string', site: 'string', 'leaf-listen': 'string', tls: 'bool', 'tls-host': 'list' }, 'controller nats-config');
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
  let allSites: string[];
  const site = str(p, 'site');
  try {
    const nats = catalog.agents.list().flatMap((a) => (a.nats && !a.revoked ? [{ name: a.name, id: a.id, natsKey: a.nats.natsKey, site: a.nats.site }] : []));
    agents = nats.filter((a) => site === undefined || a.site === site);
    allSites = [...new Set(nats.map((a) => a.site))].sort();
  } finally {
    catalog.close();
  }
  const key = controllerNkey(dataDir);
  const leafRemote = str(p, 'leaf-remote');
  const domain = str(p, 'domain');
  const leafListenText = str(p, 'leaf-listen');
  const leafListen = leafListenText !== undefined ? splitHostPort(leafListenText, '--leaf-listen') : undefined;
  if ((leafRemote === undefined) !== (domain === undefined)) throw new CofferError(ErrorCode.Usage, `--leaf-remote and --domain go together (a site's leaf node)\nusage: ${NATS_CONFIG_USAGE}`);
  if (leafRemote !== undefined && site === undefined) throw new CofferError(ErrorCode.Usage, `a leaf node's configuration needs --site SITE (whose agents it serves and whose login to the hub it uses)\nusage: ${NATS_CONFIG_USAGE}`);
  if (list(p, 'tls-host').length > 0 && !flag(p, 'tls')) throw new CofferError(ErrorCode.Usage, `--tls-host goes with --tls\nusage: ${NATS_CONFIG_USAGE}`);
  const tls = flag(p, 'tls') ? await natsTlsBlock(dataDir, path.resolve(file), host, list(p, 'tls-host')) : undefined;
  const leafLogins = leafRemote !== undefined && site !== undefined ? [{ user: leafUser(site), password: leafPassword(dataDir, site) }] : leafListen ? allSites.map((s) => ({ user: leafUser(s), password: leafPassword(dataDir, s) })) : [];
  const text = natsServerConfig({ host, port, storeDir: path.resolve(str(p, 'store-dir') ?? path.join(path.dirname(path.resolve(file)), 'jetstream')), controllerKey: key.publicKey, agents, ...(leafRemote ? { leafRemote } : {}), ...(domain ? { domain } : {}), ...(leafListen ? { leafListen } : {}), leafLogins, ...(tls !== undefined ? { tls } : {}) });
  // The leaf passwords are secrets: the file is its owner's only (nats-server reads it as that user).
  writeFileAtomicSync(path.resolve(file), text, leafLogins.length > 0 ? 0o600 : 0o644);
  out(`wrote ${path.resolve(file)} (${agents.length} NATS agent${agents.length === 1 ? '' : 's'}${tls ? ', TLS with a certificate from the controller\'s CA' : ''}); start the controller with --nats ${tls ? 'tls' : 'nats'}://${host}:${port} --nats-creds ${key.file}`);
  return 0;
}
