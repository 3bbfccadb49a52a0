/**
 * Messages between the fleet benchmark (parent) and its simulation workers (child
 * processes over Node's IPC channel). Times are milliseconds on the shared wall clock
 * ({@link nowMs}), so the parent can subtract its own submission times from the
 * workers' receive times: everything runs on one machine.
 */

/** Wall-clock milliseconds with sub-millisecond resolution (same clock in every process of this machine). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One agent a worker simulates: its fleet name and one-time enrollment token. */
export interface AgentTicket {
  readonly name: string;
  readonly token: string;
}

/** Parent to worker. */
export type ToWorker =
  | { readonly t: 'enroll'; readonly controller: string; readonly caPem: string; readonly agents: readonly AgentTicket[]; readonly concurrency: number; readonly transport: 'grpc' | 'nats' }
  | { readonly t: 'connect'; readonly concurrency: number; readonly maxJobs: number; readonly timeoutMs: number }
  | { readonly t: 'lag-start' }
  | { readonly t: 'lag-read' }
  | { readonly t: 'stop' };

/** A worker's event-loop delay since its last `lag-start` (perf_hooks.monitorEventLoopDelay, 10 ms resolution), in milliseconds. */
export interface LoopLag {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** One enrollment: how long the agent's key, CSR and Enroll call took, or why it failed. */
export interface EnrollResult {
  readonly name: string;
  readonly ms: number;
  readonly error?: string;
}

/** Worker to parent. `runs` and `acks` are [jobId, agentName, ms] triples, sent in batches. */
export type FromWorker =
  | { readonly t: 'enrolled'; readonly results: readonly EnrollResult[] }
  | { readonly t: 'connected'; readonly connected: number; readonly failures: readonly { readonly name: string; readonly why: string }[] }
  | { readonly t: 'runs'; readonly runs: readonly (readonly [string, string, number])[] }
  | { readonly t: 'acks'; readonly acks: readonly (readonly [string, number])[] }
  | { readonly t: 'lost'; readonly name: string; readonly why: string }
  | { readonly t: 'lag'; readonly lag: LoopLag }
  | { readonly t: 'stopped' }
  | { readonly t: 'error'; readonly message: string };

/**
 * Drops Node's DEP0123 warning, which grpc-js triggers on every connection to an IP
 * address (it names the address as TLS server name; the certificate has IP SANs), as
 * bin/coffer.js does.
 */
export function dropTlsIpWarning(): void {
  const emit = process.emitWarning.bind(process);
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const opt = rest[0];
    const code = typeof opt === 'object' && opt !== null ? (opt as { code?: string }).code : rest[1];
    if (code !== 'DEP0123') emit(warning, ...(rest as []));
  };
}
