/** Command-line options of `npm run bench:fleet`. */
import { intFlag, parseFlags, usage } from '../flags.js';

/** How the simulated agents reach the controller: gRPC Connect streams, or NATS JetStream through one nats-server. */
export type FleetTransport = 'grpc' | 'nats';

/** Parsed options. */
export interface FleetOptions {
  readonly agents: number[];
  readonly transport: FleetTransport;
  readonly workers: number;
  readonly pacedJobs: number;
  readonly pacedRate: number;
  readonly burstJobs: number;
  readonly inflight: number;
  readonly enrollConcurrency: number;
  readonly connectConcurrency: number;
  readonly maxJobs: number;
  readonly profile: boolean;
  readonly keep: boolean;
  readonly cofferBin: string | undefined;
  readonly json: string | undefined;
  readonly help: boolean;
}

export const FLEET_USAGE = `usage: npm run bench:fleet -- [options]
Simulated agents (real Enroll, real Connect streams over mutual TLS, one connection
each) against one controller process on 127.0.0.1; dispatch latency, jobs/s, memory.
  --agents LIST        fleet sizes to run, each on a fresh controller, 1-10000 (default 100,1000)
  --transport T        grpc (Connect streams over mutual TLS) or nats (one nats-server -js,
                       one NATS connection and durable pull consumer per agent) (default grpc)
  --workers N          processes hosting the simulated agents, 1-3 (default 2)
  --paced N            jobs of the paced load (default 200)
  --rate R             jobs per second of the paced load (default 20)
  --jobs N             jobs of the burst load (default 2000)
  --inflight N         RunJob calls outstanding during the burst (default 32)
  --enroll-par N       enrollments at once per worker (default 8)
  --connect-par N      connections being set up at once per worker (default 50)
  --max-jobs N         jobs each agent runs at once (Hello max_jobs, default 2)
  --profile            CPU-profile the controller (node --cpu-prof) and break it down by phase
  --keep               keep the controller's data folders (in the system temp folder)
  --coffer-bin PATH    run the controller from this bin/coffer.js (another built checkout, for A/B runs)
  --json FILE          also write the results as JSON to FILE
  --help               show this help`;

/** Parses `argv` (without node and script); throws a usage {@link BenchError} on bad input. */
export function parseFleetOptions(argv: string[]): FleetOptions {
  const values = parseFlags(argv, {
    agents: { type: 'string', default: '100,1000' },
    transport: { type: 'string', default: 'grpc' },
    workers: { type: 'string', default: '2' },
    paced: { type: 'string', default: '200' },
    rate: { type: 'string', default: '20' },
    jobs: { type: 'string', default: '2000' },
    inflight: { type: 'string', default: '32' },
    'enroll-par': { type: 'string', default: '8' },
    'connect-par': { type: 'string', default: '50' },
    'max-jobs': { type: 'string', default: '2' },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'coffer-bin': { type: 'string' },
    json: { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  const paced = intFlag(values.paced, '--paced', 1, 5000);
  const jobs = intFlag(values.jobs, '--jobs', 1, 9000);
  if (values.transport !== 'grpc' && values.transport !== 'nats') throw usage(`--transport must be grpc or nats, got "${values.transport}"`);
  if (paced + jobs > 10_000) throw usage('--paced plus --jobs must be at most 10000 (the API lists at most 10,000 jobs to check them)');
  return {
    agents: values.agents.split(',').map((a) => intFlag(a.trim(), '--agents', 1, 10_000)),
    transport: values.transport,
    workers: intFlag(values.workers, '--workers', 1, 3),
    pacedJobs: paced,
    pacedRate: intFlag(values.rate, '--rate', 1, 1000),
    burstJobs: jobs,
    inflight: intFlag(values.inflight, '--inflight', 1, 1000),
    enrollConcurrency: intFlag(values['enroll-par'], '--enroll-par', 1, 500),
    connectConcurrency: intFlag(values['connect-par'], '--connect-par', 1, 1000),
    maxJobs: intFlag(values['max-jobs'], '--max-jobs', 1, 100),
    profile: values.profile,
    keep: values.keep,
    cofferBin: values['coffer-bin'],
    json: values.json,
    help: values.help,
  };
}
