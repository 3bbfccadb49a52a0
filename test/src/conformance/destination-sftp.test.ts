/** The SFTP destination passes the destination conformance suite against every test SFTP server (helpers/sftp-servers.ts). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { SftpDestination } from '@coffer/agent/connectors/sftp-destination.js';
import { SERVER_KINDS, serverTarget, sftpServerForSuite } from '../helpers/sftp-servers.js';
import { destinationConformance } from './destination-conformance.js';

let n = 0;

for (const kind of SERVER_KINDS) {
  describe(`SftpDestination against ${kind}`, function () {
    this.timeout(120_000);
    const fx = sftpServerForSuite(kind);
    it('refuses at once, naming the fix, a server that refuses writes out of order', async function () {
      const s = fx.server;
      if (s.keeps.outOfOrderWrites) this.skip();
      const f = s.folder(`dest-${n++}`);
      const dest = new SftpDestination(serverTarget(s), f.remote, `sftp://${s.host}:${s.port}${f.remote}`);
      await assert.rejects(dest.prepare(), (e: unknown) => e instanceof CofferError && e.code === ErrorCode.Config && /--vfs-cache-mode writes/.test(e.message));
      await dest.close();
      assert.deepEqual(fs.readdirSync(f.local), []);
    });

    if (kind === 'rclone') return; // refused above: a restore there cannot work
    destinationConformance(`SftpDestination on ${kind}`, () => {
      const s = fx.server;
      const f = s.folder(`dest-${n++}`);
      return Promise.resolve({
        dest: new SftpDestination(serverTarget(s), f.remote, `sftp://${s.host}:${s.port}${f.remote}`),
        local: f.local,
        keeps: s.keeps,
        cleanup: () => fs.promises.rm(f.local, { recursive: true, force: true }),
      });
    });
  });
}
