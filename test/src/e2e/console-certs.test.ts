/**
 * The console's certificate: `coffer controller start --http-cert F --http-key K` serves
 * the console with that certificate (a public one, here self-signed for 127.0.0.1)
 * instead of the controller's own, while the gRPC port keeps the controller's; one
 * without the other, or a file that cannot be read, stops the start with one line.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { assertOneLineError, cleanupTmpDirs, runCoffer, tmpDir } from '../helpers/cli.js';
import { Fleet } from '../helpers/fleet.js';

function health(port: number, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get({ host: '127.0.0.1', port, path: '/healthz', ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe('the console with a certificate of its own (--http-cert, --http-key)', function () {
  this.timeout(120_000);
  let fleet: Fleet | undefined;
  let dir: string;
  let cert: string;
  let key: string;

  before(() => {
    dir = tmpDir('coffer-console-certs-');
    cert = path.join(dir, 'console.pem');
    key = path.join(dir, 'console.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2', '-subj', '/CN=console.test', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  });

  after(async () => {
    await fleet?.stop();
    cleanupTmpDirs();
  });

  it('serves the console with the given certificate and keeps its own CA for the gRPC port', async () => {
    fleet = await Fleet.start({}, ['--http-cert', cert, '--http-key', key]);
    const given = fs.readFileSync(cert, 'utf8');
    assert.equal(await health(fleet.httpPort, given), 200);
    await assert.rejects(health(fleet.httpPort, fs.readFileSync(fleet.caFile, 'utf8')), /self[- ]signed|unable to verify|certificate/i, "the controller's CA does not sign the console's certificate now");
    await fleet.ctlOk(['agents']);
  });

  it('refuses to start with only one of them, or one it cannot read, in one line', () => {
    const data = path.join(dir, 'data');
    const half = runCoffer(['controller', 'start', '--data', data, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--http-cert', cert]);
    assert.equal(half.code, 2);
    assertOneLineError(half);
    assert.match(half.stderr, /give --http-cert and --http-key together/);
    const missing = runCoffer(['controller', 'start', '--data', data, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--http-cert', path.join(dir, 'nope.pem'), '--http-key', key]);
    assert.notEqual(missing.code, 0);
    assertOneLineError(missing);
    assert.match(missing.stderr, /cannot read --http-cert .*nope\.pem: ENOENT/);
    const wrongKey = path.join(dir, 'other.key');
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', wrongKey], { stdio: 'ignore' });
    const mismatch = runCoffer(['controller', 'start', '--data', data, '--listen', '127.0.0.1:0', '--http', '127.0.0.1:0', '--http-cert', cert, '--http-key', wrongKey]);
    assert.notEqual(mismatch.code, 0);
    assertOneLineError(mismatch);
    assert.match(mismatch.stderr, /are not a PEM certificate chain and its private key/);
  });
});
