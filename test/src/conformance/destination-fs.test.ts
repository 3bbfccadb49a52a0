/** The local-disk destination passes the destination conformance suite. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsDestination } from '@coffer/agent/connectors/fs-destination.js';
import { KEEPS_ALL } from './connector-tree.js';
import { destinationConformance } from './destination-conformance.js';

destinationConformance('FsDestination', () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-dst-'));
  const local = path.join(top, 'target');
  return Promise.resolve({ dest: new FsDestination(local), local, keeps: KEEPS_ALL, cleanup: () => fs.promises.rm(top, { recursive: true, force: true }) });
});
