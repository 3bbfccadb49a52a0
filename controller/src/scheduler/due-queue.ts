/**
 * The schedules' next runs, earliest first: an indexed binary min-heap keyed by schedule name,
 * so the scheduler arms one timer for the earliest run and adds, moves or removes any schedule
 * in O(log n) however many there are. Ties go to the smaller name, so the order is
 * deterministic.
 */

/** A schedule due at a time. */
export interface Due {
  readonly name: string;
  readonly atMs: number;
}

/** A min-heap of due times, at most one per name. */
export class DueQueue {
  private readonly heap: Due[] = [];
  private readonly index = new Map<string, number>();

  /** Schedules in the queue. */
  get size(): number {
    return this.heap.length;
  }

  /** The earliest entry, without removing it. */
  peek(): Due | undefined {
    return this.heap[0];
  }

  /** Puts `name` at `atMs`, replacing its previous time if it had one. */
  set(name: string, atMs: number): void {
    this.delete(name);
    this.heap.push({ name, atMs });
    this.index.set(name, this.heap.length - 1);
    this.up(this.heap.length - 1);
  }

  /** Removes `name`; true when it was there. */
  delete(name: string): boolean {
    const i = this.index.get(name);
    if (i === undefined) return false;
    this.index.delete(name);
    const last = this.heap.pop();
    if (last !== undefined && i < this.heap.length) {
      this.heap[i] = last;
      this.index.set(last.name, i);
      this.down(this.up(i));
    }
    return true;
  }

  /** Removes every entry. */
  clear(): void {
    this.heap.length = 0;
    this.index.clear();
  }

  private less(a: number, b: number): boolean {
    const x = this.heap[a];
    const y = this.heap[b];
    if (!x || !y) return false;
    return x.atMs < y.atMs || (x.atMs === y.atMs && x.name < y.name);
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a];
    const y = this.heap[b];
    if (!x || !y) return;
    this.heap[a] = y;
    this.heap[b] = x;
    this.index.set(y.name, a);
    this.index.set(x.name, b);
  }

  /** Moves entry `i` up while it is earlier than its parent; returns where it ends. */
  private up(i: number): number {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
    return i;
  }

  /** Moves entry `i` down while a child is earlier (the index at least doubles each step). */
  private down(i: number): void {
    for (let l = 2 * i + 1; l < this.heap.length; l = 2 * i + 1) {
      const min = l + 1 < this.heap.length && this.less(l + 1, l) ? l + 1 : l;
      if (!this.less(min, i)) return;
      this.swap(i, min);
      i = min;
    }
  }
}
