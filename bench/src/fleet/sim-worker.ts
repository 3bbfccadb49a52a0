/**
 * A simulation worker of the fleet benchmark (a child process forked by worker-pool.ts):
 * hosts a share of the simulated agents and does what the parent asks over IPC:
 * enroll them (in parallel, at most `concurrency` at a time), connect them (same), then
 * report every RunJob and AckDone they see, batched every 50 ms so IPC stays cheap and
 * the receive times are taken in the agents' own event loop, not here. It also measures
 * its own event-loop delay between `lag-start` and `lag-read`, so a report can tell a
 * slow simulator (the receive time taken late) from a slow controller or server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { dropTlsIpWarning, type AgentTicket, type EnrollResult, type FromWorker, type ToWorker } from './ipc.js';
import { SimAgent } from './sim-agent.js';
import { SimNatsAgent } from './sim-nats-agent.js';
import { forEachLimited } from './stats.js';

const FLUSH_MS = 50;

dropTlsIpWarning();

const agents: (SimAgent | SimNatsAgent)[] = [];
/** The NATS agents' data folders (their saved enrollments), removed at the end. */
let natsRoot: string | undefined;
let runs: [string, string, number][] = [];
let acks: [string, number][] = [];

function post(msg: FromWorker): void {
  process.send?.(msg);
}

function flush(): void {
  if (runs.length > 0) post({ t: 'runs', runs });
  if (acks.length > 0) post({ t: 'acks', acks });
  runs = [];
  acks = [];
}

const flusher = setInterval(flush, FLUSH_MS);
const loop = monitorEventLoopDelay({ resolution: 10 });
const NS_PER_MS = 1e6;

const events = {
  run: (jobId: string, agent: string, at: number) => void runs.push([jobId, agent, at]),
  ack: (jobId: string, at: number) => void acks.push([jobId, at]),
  lost: (name: string, why: string) => post({ t: 'lost', name, why }),
};

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.t) {
    case 'enroll': {
      const results: EnrollResult[] = [];
      if (msg.transport === 'nats' && natsRoot === undefined) {
        natsRoot = mkdtempSync(join(tmpdir(), 'coffer-bench-nats-agents-'));
        writeFileSync(join(natsRoot, 'ca.pem'), msg.caPem);
      }
      await forEachLimited(msg.agents.length, msg.concurrency, async (i) => {
        const { name, token } = msg.agents[i] as AgentTicket;
        const agent = natsRoot !== undefined ? new SimNatsAgent(name, msg.controller, join(natsRoot, 'ca.pem'), natsRoot, events) : new SimAgent(name, msg.controller, msg.caPem, events);
        try {
          results.push({ name, ms: await agent.enroll(token) });
          agents.push(agent);
        } catch (err) {
          results.push({ name, ms: 0, error: err instanceof Error ? err.message : String(err) });
        }
      });
      post({ t: 'enrolled', results });
      break;
    }
    case 'connect': {
      let connected = 0;
      const failures: { name: string; why: string }[] = [];
      await forEachLimited(agents.length, msg.concurrency, async (i) => {
        const a = agents[i] as SimAgent | SimNatsAgent;
        try {
          await a.connect(msg.maxJobs, msg.timeoutMs);
          connected++;
        } catch (err) {
          failures.push({ name: a.name, why: err instanceof Error ? err.message : String(err) });
        }
      });
      post({ t: 'connected', connected, failures });
      break;
    }
    case 'lag-start':
      loop.disable();
      loop.reset();
      loop.enable();
      break;
    case 'lag-read':
      loop.disable();
      post({ t: 'lag', lag: { p50Ms: loop.percentile(50) / NS_PER_MS, p99Ms: loop.percentile(99) / NS_PER_MS, maxMs: loop.max / NS_PER_MS } });
      break;
    case 'stop':
      clearInterval(flusher);
      flush();
      await Promise.race([Promise.all(agents.map((a) => a.close().catch(() => undefined))), new Promise((r) => setTimeout(r, 3000))]);
      if (natsRoot !== undefined) rmSync(natsRoot, { recursive: true, force: true });
      post({ t: 'stopped' });
      setTimeout(() => process.exit(0), 200).unref();
      break;
  }
}

process.on('message', (msg: ToWorker) => {
  handle(msg).catch((err: unknown) => post({ t: 'error', message: err instanceof Error ? err.message : String(err) }));
});
process.on('disconnect', () => process.exit(0));
