/**
 * Stops what the fleet benchmark started when it is interrupted (SIGINT, SIGTERM, SIGHUP):
 * every registered stopper runs at once (synchronous kills: nothing can be awaited in a
 * dying process), then the bench exits 130 with one line. Guarantee: a process started by
 * a run and registered here does not outlive the bench.
 */

type Stopper = () => void;

const stoppers = new Set<Stopper>();
let installed = false;

function interrupted(signal: NodeJS.Signals): void {
  for (const stop of stoppers) {
    try {
      stop();
    } catch {
      // keep stopping the others
    }
  }
  process.stderr.write(`bench:fleet: error: interrupted by ${signal}; the controller, nats-server and the workers were stopped\n`);
  process.exit(130);
}

/** Registers `stop` (a synchronous kill) until the returned function is called. */
export function onInterrupt(stop: Stopper): () => void {
  if (!installed) {
    installed = true;
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, interrupted);
  }
  stoppers.add(stop);
  return () => void stoppers.delete(stop);
}
