/**
 * The controller's public API as the fleet benchmark uses it: ControllerServiceClient
 * over TLS trusting the controller's CA, authenticated with the admin token, each call
 * a promise with a deadline. Only the calls the benchmark needs.
 */
import { Metadata, type CallOptions, type ServiceError } from '@grpc/grpc-js';
import { JobState } from '@coffer/shared/gen/coffer/v1/common.js';
import { ControllerServiceClient, type EnrollmentToken, type Job, ListJobsRequest, type ListJobsResponse } from '@coffer/shared/gen/coffer/v1/controller.js';
import { channelCredentials } from '@coffer/shared/pki/index.js';
import { BenchError } from '../errors.js';

const DEADLINE_MS = 60_000;

type Callback<Res> = (err: ServiceError | null, res: Res) => void;

/** An admin API client. */
export class FleetApi {
  private readonly raw: ControllerServiceClient;
  private readonly md = new Metadata();

  constructor(address: string, caPem: string, adminToken: string) {
    this.raw = new ControllerServiceClient(address, channelCredentials(caPem), { 'grpc.use_local_subchannel_pool': 1 });
    this.md.set('authorization', `Bearer ${adminToken}`);
  }

  private unary<Res>(what: string, invoke: (md: Metadata, opts: Partial<CallOptions>, cb: Callback<Res>) => void): Promise<Res> {
    return new Promise((resolve, reject) => {
      invoke(this.md, { deadline: Date.now() + DEADLINE_MS }, (err, res) => {
        if (err) reject(new BenchError(`${what} failed: ${err.details || err.message}`));
        else resolve(res);
      });
    });
  }

  /** A one-time enrollment token valid for `ttlSeconds`. */
  async createToken(ttlSeconds: number): Promise<string> {
    const r = await this.unary<EnrollmentToken>('CreateEnrollmentToken', (md, o, cb) => this.raw.createEnrollmentToken({ ttlSeconds }, md, o, cb));
    return r.token;
  }

  async addStore(name: string, location: string, options: Record<string, string>, passphrase: string): Promise<void> {
    await this.unary('AddStore', (md, o, cb) => this.raw.addStore({ name, location, options, passphrase, passphraseOnAgent: false }, md, o, cb));
  }

  async addSource(name: string, location: string, agent: string): Promise<void> {
    await this.unary('AddSource', (md, o, cb) => this.raw.addSource({ name, location, agent, options: {} }, md, o, cb));
  }

  /** Queues a backup of `source` into `store`; resolves with the job. */
  runBackup(source: string, store: string): Promise<Job> {
    const spec = { spec: { $case: 'backup' as const, value: { source, store, tags: [], ignore: [] } } };
    return this.unary('RunJob', (md, o, cb) => this.raw.runJob({ spec, maxAttempts: 1, waitSeconds: 0 }, md, o, cb));
  }

  /** One job with its history. */
  getJob(id: string): Promise<Job> {
    return this.unary<Job>('GetJob', (md, o, cb) => this.raw.getJob({ id }, md, o, cb));
  }

  /** Jobs in `states`, newest first, at most `limit` (the API caps it at 10,000). */
  async listJobs(states: JobState[], limit: number): Promise<Job[]> {
    const r = await this.unary<ListJobsResponse>('ListJobs', (md, o, cb) => this.raw.listJobs(ListJobsRequest.fromPartial({ states, limit }), md, o, cb));
    return r.jobs;
  }

  close(): void {
    this.raw.close();
  }
}
