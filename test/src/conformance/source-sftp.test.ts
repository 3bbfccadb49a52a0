/** The SFTP source passes the source conformance suite against every test SFTP server (helpers/sftp-servers.ts). */
import fs from 'node:fs';
import { SftpSource } from '@coffer/agent/connectors/sftp-source.js';
import { SERVER_KINDS, serverTarget, sftpServerForSuite } from '../helpers/sftp-servers.js';
import { sourceConformance } from './source-conformance.js';

let n = 0;

for (const kind of SERVER_KINDS) {
  describe(`SftpSource against ${kind}`, function () {
    this.timeout(120_000);
    const fx = sftpServerForSuite(kind);
    sourceConformance(`SftpSource on ${kind}`, () => {
      const s = fx.server;
      const f = s.folder(`source-${n++}`);
      return Promise.resolve({
        source: new SftpSource(serverTarget(s), f.remote, `sftp://${s.host}:${s.port}${f.remote}`),
        local: f.local,
        keeps: s.keeps,
        ...(f.owner ? { owner: f.owner } : {}),
        cleanup: () => fs.promises.rm(f.local, { recursive: true, force: true }),
      });
    });
  });
}
