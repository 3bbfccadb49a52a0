/**
 * Test helper process: takes a shared lock on a store (as a running backup does),
 * prints "locked", and holds it until killed. Usage: node hold-lock.js STORE
 * (passphrase from COFFER_PASSPHRASE).
 */
import os from 'node:os';
import { StoreLock } from '@coffer/agent/engine/lock.js';
import { Repository } from '@coffer/agent/engine/repository.js';
import { FsBackend } from '@coffer/agent/storage/fs-backend.js';

const store = process.argv[2] ?? '';
const repo = await Repository.open(new FsBackend(store), () => Promise.resolve(process.env.COFFER_PASSPHRASE ?? ''));
await StoreLock.acquire(repo, { host: os.hostname(), pid: process.pid, user: os.userInfo().username, exclusive: false, operation: 'backup' });
process.stdout.write('locked\n');
setInterval(() => undefined, 60_000);
