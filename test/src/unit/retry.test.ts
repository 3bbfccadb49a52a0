/** Unit tests of the retrying storage wrapper. */
import assert from 'node:assert/strict';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { MemoryBackend } from '@coffer/agent/storage/memory-backend.js';
import { RetryingBackend } from '@coffer/agent/storage/wrappers/retry.js';

describe('RetryingBackend', () => {
  const name = 'ab'.repeat(32);
  const noSleep = (): Promise<void> => Promise.resolve();

  it('retries passing failures, resetting the connection each time, then succeeds', async () => {
    const inner = new MemoryBackend() as MemoryBackend & { reset(): void };
    let resets = 0;
    inner.reset = () => void resets++;
    let failures = 2;
    inner.beforeSave = () => {
      if (failures-- > 0) throw new CofferError(ErrorCode.Retryable, 'connection lost');
    };
    const b = new RetryingBackend(inner, { sleep: noSleep });
    await b.init();
    await b.save('index', name, Buffer.from('x'));
    assert.equal(resets, 2);
    assert.equal((await b.load('index', name)).toString(), 'x');
  });

  it('gives up after the attempts, and never retries permanent errors', async () => {
    const inner = new MemoryBackend();
    inner.beforeSave = () => {
      throw new CofferError(ErrorCode.Retryable, 'down');
    };
    const b = new RetryingBackend(inner, { attempts: 3, sleep: noSleep });
    await assert.rejects(b.save('index', name, Buffer.from('x')), /down/);
    let calls = 0;
    inner.beforeSave = () => {
      calls++;
      throw new CofferError(ErrorCode.Permission, 'denied');
    };
    await assert.rejects(b.save('index', name, Buffer.from('x')), /denied/);
    assert.equal(calls, 1);
  });
});
