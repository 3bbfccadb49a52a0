/**
 * A read-only set of blob ids in shared memory: sorted 32-byte ids in a
 * SharedArrayBuffer, searched by binary search. Built once by the main thread from
 * the master index and read by worker threads without copying, so they can skip
 * compressing and encrypting chunks the store already has.
 */

/** Builds the shared set from hex ids. */
export function buildKnownIds(ids: Iterable<string>): SharedArrayBuffer {
  const list = [...ids].sort();
  const sab = new SharedArrayBuffer(Math.max(1, list.length * 32));
  const view = Buffer.from(sab);
  list.forEach((id, i) => view.write(id, i * 32, 32, 'hex'));
  return sab;
}

/** Membership test over a set built by {@link buildKnownIds}. */
export class KnownIds {
  private readonly buf: Buffer;
  private readonly n: number;

  constructor(sab: SharedArrayBuffer, count: number) {
    this.buf = Buffer.from(sab);
    this.n = count;
  }

  has(id: Uint8Array): boolean {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.buf.compare(id, 0, 32, mid * 32, mid * 32 + 32);
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }
}
