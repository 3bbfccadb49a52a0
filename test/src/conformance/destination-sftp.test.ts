/** The SFTP destination passes the destination conformance suite against every test SFTP server (helpers/sftp-servers.ts). */
import fs from 'node:fs';
import { SftpDestination } from '@coffer/agent/connectors/sftp-destination.js';
import { SERVER_KINDS, serverTarget, sftpServerForSuite } from '../helpers/sftp-servers.js';
import { destinationConformance } from './destination-conformance.js';

let n = 0;

for (const kind of SERVER_KINDS) {
  describe(`SftpDestination against ${kind}`, function () {
    this.timeout(120_000);
    const fx = sftpServerForSuite(kind);
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
