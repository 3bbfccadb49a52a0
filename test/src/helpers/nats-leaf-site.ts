/**
 * A hub and one leaf site on real nats-servers: the hub and the leaf `paris` (its own
 * JetStream domain, dialling the hub's leafnode port with the login nats-config writes),
 * a controller on the hub with `--nats-leaf paris=paris`, and the agent p1 of site paris
 * enrolled over NATS on the leaf and started. The configurations come from `coffer
 * controller nats-config`. The caller stops the fleet and kills both servers.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describeRun, runCoffer, type EnvPatch } from './cli.js';
import { Fleet, type FleetAgent } from './fleet.js';
import { NatsServer } from './nats-server.js';
import { freePort } from './sshd.js';

export interface LeafSite {
  readonly fleet: Fleet;
  readonly hub: NatsServer;
  readonly leaf: NatsServer;
  readonly agent: FleetAgent;
}

export async function startLeafSite(bin: string, data: string, env: EnvPatch): Promise<LeafSite> {
  for (const d of ['hub', 'leaf']) fs.mkdirSync(path.join(data, d));
  const hub = await NatsServer.prepare(bin, path.join(data, 'hub'));
  const leaf = await NatsServer.prepare(bin, path.join(data, 'leaf'));
  const leafPort = await freePort();
  const fleet = await Fleet.start(env, ['--nats', hub.url, '--nats-leaf', 'paris=paris']);
  const agent = await fleet.enroll('p1', { labels: { site: 'paris' }, args: ['--transport', 'nats', '--nats', leaf.url] });
  const conf = (args: string[]): void => {
    const c = runCoffer(['controller', 'nats-config', '--data', fleet.dataDir, ...args]);
    assert.equal(c.code, 0, describeRun(c));
  };
  conf(['--out', hub.configFile, '--listen', `127.0.0.1:${hub.port}`, '--store-dir', hub.storeDir, '--leaf-listen', `127.0.0.1:${leafPort}`]);
  conf(['--out', leaf.configFile, '--listen', `127.0.0.1:${leaf.port}`, '--store-dir', leaf.storeDir, '--leaf-remote', `nats-leaf://127.0.0.1:${leafPort}`, '--domain', 'paris', '--site', 'paris']);
  await hub.start();
  await leaf.start();
  await agent.start();
  return { fleet, hub, leaf, agent };
}
