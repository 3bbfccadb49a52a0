/** Unit tests of the abortable storage wrapper (what a CLI run's store does at SIGINT/SIGTERM). */
import assert from 'node:assert/strict';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';
import { AbortableBackend } from '@coffer/agent/storage/wrappers/abortable.js';
import type { FileKind, Range } from '@coffer/agent/storage/backend.js';

const interrupted = (err: unknown): boolean => err instanceof CofferError && err.code === ErrorCode.Interrupted;

describe('AbortableBackend', () => {
  const name = 'cd'.repeat(32);

  it('rejects an operation in flight at once when the signal fires, whatever the storage does', async () => {
    const inner = new MemoryBackend();
    // A load the storage never answers (a silent server).
    (inner as unknown as { load: (k: FileKind, n: string, r?: Range) => Promise<Buffer> }).load = () => new Promise<Buffer>(() => undefined);
    const ac = new AbortController();
    const b = new AbortableBackend(inner, ac.signal);
    const pending = b.load('index', name);
    ac.abort();
    await assert.rejects(pending, interrupted);
  });

  it('writes nothing after the signal, but still removes a lock and runs its cleanups on close', async () => {
    const inner = new MemoryBackend();
    await inner.init();
    await inner.save('lock', name, Buffer.from('mine'));
    const ac = new AbortController();
    const b = new AbortableBackend(inner, ac.signal);
    let cleaned = 0;
    b.beforeClose(() => Promise.resolve(void cleaned++));
    ac.abort();
    for (const kind of ['data', 'index', 'snapshot', 'lock'] as const) await assert.rejects(b.save(kind, 'ef'.repeat(32), Buffer.from('x')), interrupted);
    await assert.rejects(b.remove('data', name), interrupted);
    assert.deepEqual([...inner.files.keys()], [`lock/${name}`], 'nothing written after the signal');
    await b.remove('lock', name);
    assert.equal(inner.files.size, 0, 'the lock was released');
    await b.close();
    await b.close();
    assert.equal(cleaned, 1, 'cleanups run once');
  });
});
