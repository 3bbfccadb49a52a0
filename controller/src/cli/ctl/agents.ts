/** `coffer ctl agents [--json]`, `coffer ctl agent revoke NAME`, `coffer ctl token create [--ttl 1h]`. */
import { expectArgs, flag, parseArgs, str } from '@coffer/shared/cli-args.js';
import { parseDuration } from '@coffer/shared/duration.js';
import { Agent } from '@coffer/shared/gen/coffer/v1/controller.js';
import { pairs, table, when } from '../output.js';
import { usage, type CtlCommand } from './context.js';

export const agents: CtlCommand = async (c, argv) => {
  const p = parseArgs(argv, { json: 'bool' }, 'ctl agents');
  expectArgs(p, 0, 0, 'coffer ctl agents [--json]');
  const r = await c.ctl.call(c.ctl.raw.listAgents, {});
  if (flag(p, 'json')) {
    c.out(JSON.stringify(r.agents.map((a) => Agent.toJSON(a))));
    return 0;
  }
  table(
    c.out,
    ['NAME', 'STATE', 'TRANSPORT', 'JOBS', 'LAST SEEN', 'VERSION', 'HOST', 'LABELS'],
    r.agents.map((a) => [a.name, a.revoked ? 'revoked' : a.siteUnreachableSinceMs > 0 ? `site ${a.site} unreachable since ${when(a.siteUnreachableSinceMs)}` : a.connected ? 'connected' : 'offline', a.transport || 'grpc', `${a.runningJobs}/${a.maxJobs || '-'}`, when(a.lastSeenMs), a.version || '-', a.hostname || '-', pairs(a.labels)]),
  );
  return 0;
};

export const agentCmd: CtlCommand = async (c, argv) => {
  const [sub, ...rest] = argv;
  const p = parseArgs(rest, { json: 'bool' }, `ctl agent ${sub ?? ''}`);
  if (sub !== 'revoke') throw usage('coffer ctl agent revoke NAME');
  expectArgs(p, 1, 1, 'coffer ctl agent revoke NAME');
  const a = await c.ctl.call(c.ctl.raw.revokeAgent, { name: p.args[0] as string });
  c.out(flag(p, 'json') ? JSON.stringify(Agent.toJSON(a)) : `agent ${a.name} revoked; its connections are refused from now on`);
  return 0;
};

export const token: CtlCommand = async (c, argv) => {
  const [sub, ...rest] = argv;
  const p = parseArgs(rest, { ttl: 'string', json: 'bool' }, 'ctl token create');
  if (sub !== 'create') throw usage('coffer ctl token create [--ttl 1h]');
  expectArgs(p, 0, 0, 'coffer ctl token create [--ttl 1h]');
  const ttl = str(p, 'ttl');
  const ttlSeconds = ttl === undefined ? 0 : Math.round(parseDuration(ttl, '--ttl') / 1000);
  const t = await c.ctl.call(c.ctl.raw.createEnrollmentToken, { ttlSeconds });
  if (flag(p, 'json')) c.out(JSON.stringify({ token: t.token, expires: new Date(t.expiresMs).toISOString() }));
  else {
    c.err(`enrollment token, valid once until ${when(t.expiresMs)}:`);
    c.out(t.token);
  }
  return 0;
};
