/**
 * Prompt release of garbage. Threads that churn through big ArrayBuffers (packs,
 * chunks) or many short-lived objects (tree nodes, listings) otherwise keep hundreds
 * of MiB of garbage until V8's heuristics collect it: V8 lets the heap grow to a few
 * times what is live before a full collection. Two tools:
 * - `processed(bytes)`: a collection every ~64 MiB of buffers processed (workers);
 * - `boundHeap()`: from then on, a timer (every 100 ms, unref'd) collects whenever the
 *   JS heap in use exceeds 1.5 × what was live after the last collection + 64 MiB.
 * Guarantee: neither changes what a program computes, only when garbage is collected;
 * where `gc` cannot be exposed both do nothing. The cost is a full collection per
 * ~64 MiB of garbage, a few ms each with the live heaps of a backup or restore.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
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

/** Heap growth above 1.5 × the live heap allowed before a collection. */
const SLACK = 64 * 1024 * 1024;
const CHECK_MS = 100;
let bounded = false;
/** Heap in use after the last collection this module asked for. */
let live = 0;
/** Collections `boundHeap` made (tests). */
export const heapBoundStats = { collections: 0 };

/** Keeps this thread's JS heap within 1.5 × its live size + 64 MiB (see the module comment); idempotent. */
export function boundHeap(): void {
  if (bounded || !gc) return;
  bounded = true;
  const collect = gc;
  const timer = setInterval(() => {
    if (getHeapStatistics().used_heap_size <= live * 1.5 + SLACK) return;
    collect();
    heapBoundStats.collections++;
    live = getHeapStatistics().used_heap_size;
  }, CHECK_MS);
  timer.unref();
}
