/**
 * `coffer agent enroll --controller HOST:PORT --token T --name N --data DIR [--ca PATH]
 * [--label k=v ...] [--max-jobs N]` and `coffer agent start --data DIR`. The token may
 * also come from COFFER_ENROLL_TOKEN. `start` runs until SIGINT/SIGTERM.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { expectArgs, int, list, parseArgs, str } from '../args.js';
import type { Context } from '../context.js';
import type { Verb } from '../verb.js';
import type { AgentIdentity } from '../../fleet/agent-files.js';

const USAGE = 'coffer agent enroll --controller HOST:PORT --token T --name N --data DIR [--ca PATH] [--label k=v ...] [--max-jobs N] [--transport grpc|nats [--nats nats://HOST:PORT]] | coffer agent start --data DIR';

/** bin/coffer.js, for the job processes. */
const COFFER_BIN = fileURLToPath(new URL('../../../../bin/coffer.js', import.meta.url));

function labelsOf(items: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const l of items) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new CofferError(ErrorCode.Usage, `--label '${l}' is not key=value`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return labels;
}

const ENROLL_FLAGS = { controller: 'string', token: 'string', name: 'string', data: 'string', ca: 'string', label: 'list', 'max-jobs': 'string', transport: 'string', nats: 'string' } as const;
const START_FLAGS = { data: 'string' } as const;

async function enrollCmd(ctx: Context, argv: readonly string[]): Promise<number> {
  const p = parseArgs(argv, ENROLL_FLAGS, 'agent enroll');
  expectArgs(p, 0, 0, USAGE);
  const need = (v: string | undefined, f: string): string => {
    if (!v) throw new CofferError(ErrorCode.Usage, `agent enroll needs --${f}\nusage: ${USAGE}`);
    return v;
  };
  const transport = str(p, 'transport') ?? 'grpc';
  if (transport !== 'grpc' && transport !== 'nats') throw new CofferError(ErrorCode.Usage, `--transport ${transport} is not a transport; use grpc or nats`);
  const natsUrl = str(p, 'nats');
  if (natsUrl !== undefined && transport !== 'nats') throw new CofferError(ErrorCode.Usage, '--nats needs --transport nats');
  if (natsUrl !== undefined && !/^(nats|tls):\/\/[^/\s]+:\d+\/?$/.test(natsUrl)) throw new CofferError(ErrorCode.Usage, `--nats '${natsUrl}' is not nats://HOST:PORT`);
  // Loaded here, not with the CLI: the fleet modules (gRPC, TLS, X.509) cost every other verb ~0.1 s to load.
  const [{ enroll }, { stopAgentOn }] = await Promise.all([import('../../fleet/enroll.js'), import('../../fleet/data-lock.js')]);
  // Re-enrolling a folder: its running agent stops first, so the old identity never runs beside the new one.
  const stopped = await stopAgentOn(path.resolve(need(str(p, 'data'), 'data')));
  if (stopped !== undefined) ctx.warn(`stopped the agent that ran on this folder (pid ${stopped})`);
  const id = await enroll({
    controller: need(str(p, 'controller') ?? ctx.env.COFFER_CONTROLLER, 'controller'),
    token: need(str(p, 'token') ?? ctx.env.COFFER_ENROLL_TOKEN, 'token'),
    name: need(str(p, 'name'), 'name'),
    dataDir: path.resolve(need(str(p, 'data'), 'data')),
    ...(str(p, 'ca') !== undefined ? { caFile: str(p, 'ca') } : {}),
    labels: labelsOf(list(p, 'label')),
    maxJobs: int(p, 'max-jobs') ?? 0,
    transport,
    ...(natsUrl !== undefined ? { natsUrl } : {}),
  });
  ctx.out(`agent ${id.name} enrolled with ${id.controller} (id ${id.agentId}${id.transport === 'nats' ? `, jobs over NATS at ${id.natsUrl ?? ''}` : ''}); start it with: coffer agent start --data ${id.dataDir}`);
  return 0;
}

async function startCmd(ctx: Context, argv: readonly string[]): Promise<number> {
  const p = parseArgs(argv, START_FLAGS, 'agent start');
  expectArgs(p, 0, 0, USAGE);
  const data = str(p, 'data');
  if (!data) throw new CofferError(ErrorCode.Usage, `agent start needs --data DIR\nusage: ${USAGE}`);
  const [{ loadIdentity }, { AgentSession }] = await Promise.all([import('../../fleet/agent-files.js'), import('../../fleet/agent-session.js')]);
  const id = loadIdentity(path.resolve(data));
  const { lockDataDir } = await import('../../fleet/data-lock.js');
  const release = lockDataDir(id.dataDir);
  try {
    return await runSession(ctx, id, AgentSession);
  } finally {
    release();
  }
}

async function runSession(ctx: Context, id: AgentIdentity, AgentSession: typeof import('../../fleet/agent-session.js').AgentSession): Promise<number> {
  const session = new AgentSession(id, {
    cofferBin: COFFER_BIN,
    log: (level, msg, fields) => process.stdout.write(JSON.stringify({ time: new Date().toISOString(), level, agent: id.name, msg, ...fields }) + '\n'),
  });
  await session.start();
  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await session.stop();
  return 0;
}

export const agentVerb: Verb = {
  name: 'agent',
  usage: USAGE,
  needsStore: false,
  flags: { ...ENROLL_FLAGS, ...START_FLAGS },
  graceful: true,
  run(ctx, argv) {
    const [sub, ...rest] = argv;
    if (sub === 'enroll') return enrollCmd(ctx, rest);
    if (sub === 'start') return startCmd(ctx, rest);
    throw new CofferError(ErrorCode.Usage, `usage: ${USAGE}`);
  },
};
