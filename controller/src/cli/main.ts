/**
 * The controller's commands: `coffer controller start --data DIR [--listen ADDR]
 * [--http ADDR] [--host NAME ...] [--http-cert F --http-key F] [--session-idle D]
 * [--nats nats://HOST:PORT [--nats-creds F | --nats-ca F --nats-cert F --nats-key F]]` (runs
 * until SIGINT/SIGTERM), `coffer controller nats-config ...` and `coffer ctl ...`
 * (the API client). Errors are one line on stderr with the documented exit status.
 */
import path from 'node:path';
import { flag, parseArgs, splitLeadingFlags, str, list, expectArgs } from '@coffer/shared/cli-args.js';
import { parseDuration } from '@coffer/shared/duration.js';
import { CofferError, ErrorCode, exitCodeFor } from '@coffer/shared/errors.js';
import { Ctl, clientConfig } from './client.js';
import { agentCmd, agents, token } from './ctl/agents.js';
import { dashboardCmd } from './ctl/dashboard.js';
import type { CtlCommand } from './ctl/context.js';
import { jobCmd, snapshotsCmd } from './ctl/jobs.js';
import { destinationCmd, sourceCmd, storeCmd } from './ctl/places.js';
import { scheduleCmd } from './ctl/schedules.js';
import { userCmd } from './ctl/users.js';

const CTL_COMMANDS: Record<string, CtlCommand> = {
  agents,
  agent: agentCmd,
  token,
  store: storeCmd,
  source: sourceCmd,
  destination: destinationCmd,
  schedule: scheduleCmd,
  job: jobCmd,
  snapshots: snapshotsCmd,
  user: userCmd,
  dashboard: dashboardCmd,
};

const CTL_USAGE = `usage: coffer ctl [--controller HOST:PORT] [--token-file F] [--ca PATH] [--cert C --key K] <command>
  (or COFFER_CONTROLLER, COFFER_TOKEN, COFFER_CA)
commands: agents | token create | agent revoke | store add|edit|list|rm | source add|edit|list|rm |
          destination add|edit|list|rm | schedule add|edit|preview|list|pause|resume|rm |
          job run|list|show|logs|cancel|rerun | snapshots | user add|passwd|rm|list | dashboard`;

const out = (line: string): void => void process.stdout.write(line + '\n');
const err = (line: string): void => void process.stderr.write(line + '\n');

const START_USAGE =
  'coffer controller start --data DIR [--listen 127.0.0.1:7443] [--http 127.0.0.1:7480] [--host NAME ...] [--http-cert CHAIN.pem --http-key KEY.pem] [--session-idle 30m] [--nats nats://HOST:PORT [--nats-creds F | --nats-ca F --nats-cert F --nats-key F] [--nats-leaf SITE=DOMAIN ...]]';

/** The NATS options of `controller start`, or undefined without --nats. */
function natsOptions(p: ReturnType<typeof parseArgs>): { url: string; credsFile?: string; tlsCa?: string; tlsCert?: string; tlsKey?: string } | undefined {
  const url = str(p, 'nats');
  const rest = { credsFile: str(p, 'nats-creds'), tlsCa: str(p, 'nats-ca'), tlsCert: str(p, 'nats-cert'), tlsKey: str(p, 'nats-key') };
  if (url === undefined) {
    if (Object.values(rest).some((v) => v !== undefined)) throw new CofferError(ErrorCode.Usage, '--nats-creds, --nats-ca, --nats-cert and --nats-key need --nats nats://HOST:PORT');
    return undefined;
  }
  if ((rest.tlsCert === undefined) !== (rest.tlsKey === undefined)) throw new CofferError(ErrorCode.Usage, '--nats-cert and --nats-key go together');
  const o: { url: string; credsFile?: string; tlsCa?: string; tlsCert?: string; tlsKey?: string } = { url };
  for (const [k, v] of Object.entries(rest) as [keyof typeof rest, string | undefined][]) if (v !== undefined) o[k] = path.resolve(v);
  return o;
}

/** `--nats-leaf SITE=DOMAIN` flags as a map, or undefined when none. */
function leafDomains(items: readonly string[], hasNats: boolean): Record<string, string> | undefined {
  if (items.length === 0) return undefined;
  if (!hasNats) throw new CofferError(ErrorCode.Usage, '--nats-leaf needs --nats nats://HOST:PORT');
  const out: Record<string, string> = {};
  for (const item of items) {
    const m = /^([A-Za-z0-9_-]+)=([A-Za-z0-9_-]+)$/.exec(item);
    if (!m?.[1] || !m[2]) throw new CofferError(ErrorCode.Usage, `--nats-leaf '${item}' is not SITE=DOMAIN (letters, digits, '_' and '-')`);
    out[m[1]] = m[2];
  }
  return out;
}

async function controllerStart(argv: readonly string[]): Promise<number> {
  const p = parseArgs(
    argv,
    { data: 'string', listen: 'string', http: 'string', host: 'list', 'http-cert': 'string', 'http-key': 'string', 'session-idle': 'string', nats: 'string', 'nats-creds': 'string', 'nats-ca': 'string', 'nats-cert': 'string', 'nats-key': 'string', 'nats-leaf': 'list' },
    'controller start',
  );
  expectArgs(p, 0, 0, START_USAGE);
  const data = str(p, 'data');
  if (!data) throw new CofferError(ErrorCode.Usage, 'coffer controller start needs --data DIR (where the catalog, CA and admin token live)');
  const listen = str(p, 'listen');
  const http = str(p, 'http');
  const httpCert = str(p, 'http-cert');
  const httpKey = str(p, 'http-key');
  const idleText = str(p, 'session-idle');
  const idle = idleText !== undefined ? parseDuration(idleText, '--session-idle') : undefined;
  if (idle !== undefined && (idle < 1000 || idle > 7 * 86_400_000)) throw new CofferError(ErrorCode.Usage, `--session-idle ${idleText ?? ''} is out of range; use 1s to 7d (default 30m)`);
  const nats = natsOptions(p);
  const leaves = leafDomains(list(p, 'nats-leaf'), nats !== undefined);
  const ackWait = Number(process.env.COFFER_NATS_ACK_WAIT_MS ?? '') || undefined;
  // Loaded here, not at the top: `coffer ctl` then starts without the server and X.509 code.
  const { dispatcherOptionsFromEnv, startController } = await import('../server/controller.js');
  const c = await startController({
    dataDir: path.resolve(data),
    hosts: list(p, 'host'),
    dispatcher: dispatcherOptionsFromEnv(process.env),
    ...(listen ? { listen } : {}),
    ...(http !== undefined ? { http } : {}),
    ...(httpCert !== undefined ? { httpCert: path.resolve(httpCert) } : {}),
    ...(httpKey !== undefined ? { httpKey: path.resolve(httpKey) } : {}),
    ...(idle !== undefined ? { sessionIdleMs: idle } : {}),
    ...(nats ? { nats } : {}),
    ...(ackWait !== undefined ? { natsJobAckWaitMs: ackWait } : {}),
    ...(leaves ? { natsLeafDomains: leaves } : {}),
  });
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await c.stop();
  return 0;
}

async function ctl(argv: readonly string[]): Promise<number> {
  const G = { controller: 'string', token: 'string', 'token-file': 'string', ca: 'string', cert: 'string', key: 'string', help: 'bool' } as const;
  const { leading, rest: words } = splitLeadingFlags(argv, G);
  const g = parseArgs(leading, G, 'ctl');
  const [cmd, ...rest] = words;
  const fn = CTL_COMMANDS[cmd ?? ''];
  if (flag(g, 'help') || !fn) {
    (fn || flag(g, 'help') ? out : err)(CTL_USAGE);
    return flag(g, 'help') ? 0 : 2;
  }
  const cfg = clientConfig(
    { controller: str(g, 'controller'), token: str(g, 'token'), tokenFile: str(g, 'token-file'), ca: str(g, 'ca'), cert: str(g, 'cert'), key: str(g, 'key') },
    process.env,
  );
  const client = new Ctl(cfg);
  try {
    return await fn({ ctl: client, env: process.env, out, err }, rest);
  } finally {
    client.close();
  }
}

/** Runs `coffer controller ...` or `coffer ctl ...`; returns the exit status. */
export async function controllerMain(argv: readonly string[]): Promise<number> {
  // A reader that goes away (`coffer ctl job list | head`) ends the output, not with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    process.stderr.write(`coffer: cannot write output: ${e.message}\n`);
    process.exit(1);
  });
  try {
    const [group, ...rest] = argv;
    if (group === 'ctl') return await ctl(rest);
    if (group === 'controller' && rest[0] === 'start') return await controllerStart(rest.slice(1));
    if (group === 'controller' && rest[0] === 'nats-config') return await (await import('./nats-config.js')).natsConfigCmd(rest.slice(1), out);
    if (group === 'controller' && rest[0] === 'client-cert') return await (await import('./client-cert.js')).clientCert(rest.slice(1), out);
    err(`usage: ${START_USAGE}\n       coffer controller client-cert --data DIR --name NAME --out DIR\n       coffer controller nats-config --data DIR --out FILE`);
    return 2;
  } catch (e) {
    const ce = CofferError.from(e);
    err(`coffer: ${ce.message.split('\n').join('\n  ')}`);
    return exitCodeFor(ce.code);
  }
}
