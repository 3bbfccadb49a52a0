/** Unit tests of `npm run bench:fleet` option parsing: the transport (grpc by default, or nats) and fleet sizes up to 10,000. */
import assert from 'node:assert/strict';
import { BenchError } from '../errors.js';
import { parseFleetOptions } from '../fleet/fleet-args.js';

function usageError(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseFleetOptions(argv), (err: unknown) => err instanceof BenchError && err.exitCode === 2 && pattern.test(err.message));
}

describe('bench:fleet options', () => {
  it('runs over gRPC by default', () => {
    const o = parseFleetOptions([]);
    assert.equal(o.transport, 'grpc');
    assert.deepEqual(o.agents, [100, 1000]);
  });

  it('takes --transport nats or grpc', () => {
    assert.equal(parseFleetOptions(['--transport', 'nats']).transport, 'nats');
    assert.equal(parseFleetOptions(['--transport=grpc']).transport, 'grpc');
  });

  it('refuses another transport, naming the flag and the choices', () => {
    usageError(['--transport', 'mqtt'], /--transport must be grpc or nats, got "mqtt"/);
    usageError(['--transport', 'NATS'], /--transport/);
    usageError(['--transport'], /transport/);
  });

  it('takes fleets of up to 10,000 agents, not more', () => {
    assert.deepEqual(parseFleetOptions(['--agents', '50,10000', '--transport', 'nats']).agents, [50, 10_000]);
    usageError(['--agents', '10001'], /--agents must be a whole number from 1 to 10000/);
    usageError(['--agents', '0'], /--agents/);
  });
});
