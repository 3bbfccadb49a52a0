/** Registers the sftp:// store backend. Imported once by the CLI entry point. */
import { parseSftpUrl, sshTarget } from '../ssh/target.js';
import { registerBackend } from './registry.js';
import { SftpBackend } from './sftp-backend.js';

registerBackend('sftp', (url, options) => {
  const u = parseSftpUrl(url);
  const display = `sftp://${u.user ? `${u.user}@` : ''}${u.host}${u.port ? `:${u.port}` : ''}${u.path}`;
  return Promise.resolve(new SftpBackend(sshTarget(u, options), u.path, display));
});
