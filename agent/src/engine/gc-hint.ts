/**
 * Prompt release of large buffers. Worker threads that churn through big
 * ArrayBuffers (packs, chunks) otherwise keep hundreds of MiB of garbage until V8's
 * external-memory heuristics kick in; a minor collection every ~64 MiB processed
 * keeps peak RSS close to the live data at a cost of well under 1% of the time.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as ((opts?: { type: 'minor' | 'major' }) => void) | undefined;

const EVERY = 64 * 1024 * 1024;
let since = 0;

/** Records `bytes` processed; collects garbage when enough has passed. */
export function processed(bytes: number): void {
  since += bytes;
  if (since >= EVERY && gc) {
    since = 0;
    gc();
  }
}
