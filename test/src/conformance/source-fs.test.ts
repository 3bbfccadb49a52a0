/** The local-disk source passes the source conformance suite. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FsSource } from '@coffer/agent/connectors/fs-source.js';
import { KEEPS_ALL } from './connector-tree.js';
import { sourceConformance } from './source-conformance.js';

sourceConformance('FsSource', () => {
  const local = fs.mkdtempSync(path.join(os.tmpdir(), 'coffer-src-'));
  return Promise.resolve({ source: new FsSource(local), local, keeps: KEEPS_ALL, cleanup: () => fs.promises.rm(local, { recursive: true, force: true }) });
});
