/**
 * Bad NATS options of `coffer controller start`, `coffer agent enroll` and `coffer
 * controller nats-config`: one-line errors naming the flag and the fix, exit 2 (usage or
 * config), no stack trace; a NATS enrollment with a controller that serves no NATS is
 * refused naming --nats.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertOneLineError, cleanupTmpDirs, describeRun, lines, runCoffer, spawnCoffer, tmpDir } from '../helpers/cli.js';
import { Fleet } from '../helpers/fleet.js';

describe('NATS options: errors', function () {
  this.timeout(120_000);
  after(() => cleanupTmpDirs());

  it('refuses bad --nats options of controller start, naming them', () => {
    const data = tmpDir('coffer-nats-cli-');
    const cases: [string[], RegExp][] = [
      [['--nats', 'http://127.0.0.1:4222'], /--nats 'http:\/\/127\.0\.0\.1:4222' must start with nats:\/\/ or tls:\/\//],
      [['--nats', 'nats://127.0.0.1'], /needs a port/],
      [['--nats-creds', '/x.creds'], /need --nats nats:\/\/HOST:PORT/],
      [['--nats', 'nats://127.0.0.1:4222', '--nats-creds', path.join(data, 'missing.creds')], /cannot read --nats-creds .*missing\.creds: ENOENT/],
      [['--nats', 'nats://127.0.0.1:4222', '--nats-cert', '/c.pem'], /--nats-cert and --nats-key go together/],
    ];
    for (const [args, re] of cases) {
      const r = runCoffer(['controller', 'start', '--data', path.join(data, 'ctl'), '--listen', '127.0.0.1:0', '--http', '', ...args]);
      assert.equal(r.code, 2, describeRun(r));
      assertOneLineError(r);
      assert.match(r.stderr, re);
    }
  });

  it('refuses bad --transport and --nats of agent enroll', () => {
    for (const [args, re] of [
      [['--transport', 'carrier-pigeon'], /--transport carrier-pigeon is not a transport; use grpc or nats/],
      [['--nats', 'nats://127.0.0.1:4222'], /--nats needs --transport nats/],
      [['--transport', 'nats', '--nats', 'nats:/x'], /--nats 'nats:\/x' is not nats:\/\/HOST:PORT/],
    ] as [string[], RegExp][]) {
      const r = runCoffer(['agent', 'enroll', '--controller', '127.0.0.1:1', '--token', 'cft1.a.b', '--name', 'x', '--data', tmpDir('coffer-nats-cli-agent-'), ...args]);
      assert.equal(r.code, 2, describeRun(r));
      assertOneLineError(r);
      assert.match(r.stderr, re);
    }
  });

  it('refuses nats-config without a controller data folder', () => {
    const r = runCoffer(['controller', 'nats-config', '--data', tmpDir('coffer-nats-cli-none-'), '--out', '/tmp/never.conf']);
    assert.equal(r.code, 2, describeRun(r));
    assertOneLineError(r);
    assert.match(r.stderr, /is not a controller data folder/);
  });

  it('refuses a NATS enrollment with a controller that serves no NATS, naming --nats', async () => {
    const fleet = await Fleet.start();
    try {
      const token = lines((await fleet.ctlOk(['token', 'create'])).stdout).at(-1) ?? '';
      const r = await spawnCoffer(['agent', 'enroll', '--controller', fleet.address, '--ca', fleet.caFile, '--token', token, '--name', 'n', '--data', tmpDir('coffer-nats-cli-n-'), '--transport', 'nats']).done;
      assert.notEqual(r.code, 0, describeRun(r));
      assertOneLineError(r);
      assert.match(r.stderr, /serves no agents over NATS; start it with --nats nats:\/\/HOST:PORT/);
    } finally {
      await fleet.stop();
    }
  });
});
