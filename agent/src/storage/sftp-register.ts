/** Registers the sftp:// store backend. Imported once by the CLI entry point. */
import { displayUrl, parseSftpUrl, sshTarget } from '../ssh/target.js';
import { registerBackend } from './registry.js';
import { SftpBackend } from './sftp-backend.js';
import { RetryingBackend } from './wrappers/retry.js';
import { connectionsOption } from '../ssh/session-pool.js';

registerBackend('sftp', (url, options) => {
  const u = parseSftpUrl(url);
  return Promise.resolve(new RetryingBackend(new SftpBackend(sshTarget(u, options), u.path, displayUrl(u), connectionsOption(options.connections))));
});
