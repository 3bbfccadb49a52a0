/** Registers the sftp:// source (importer). Imported once by the CLI entry point. */
import { displayUrl, parseSftpUrl, sshTarget } from '../ssh/target.js';
import { registerSource } from './registry.js';
import { SftpSource } from './sftp-source.js';

registerSource('sftp', (url, options) => {
  const u = parseSftpUrl(url);
  return Promise.resolve(new SftpSource(sshTarget(u, options), u.path, displayUrl(u)));
});
