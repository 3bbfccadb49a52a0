/** sftpError (agent/src/ssh/sftp-errors.ts): a refused write carries the server's own status message. */
import assert from 'node:assert/strict';
import { ErrorCode } from '@coffer/shared/errors.js';
import { sftpError } from '@coffer/agent/ssh/sftp-errors.js';

function status(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(message), { code });
}

describe('sftpError', () => {
  it("keeps the no-space hint for OpenSSH's bare Failure", () => {
    const e = sftpError(status(4, 'Failure'), 'writing x', 'write');
    assert.equal(e.code, ErrorCode.NoSpace);
    assert.match(e.message, /no space left or a quota exceeded/);
  });

  it("names the server's own message for any other failure, without the no-space guess", () => {
    const e = sftpError(status(4, 'Disk quota exceeded for group web'), 'writing x', 'write');
    assert.match(e.message, /^writing x: the SFTP server refused the write: Disk quota exceeded for group web$/);
    assert.doesNotMatch(e.message, /most often/);
  });

  it('names the fix for a server that refuses out-of-order writes (rclone)', () => {
    const e = sftpError(status(4, 'Illegal seek'), 'writing x', 'write');
    assert.equal(e.code, ErrorCode.Config);
    assert.match(e.message, /not at the end of the file \(Illegal seek\).*--vfs-cache-mode writes/);
  });

  it('keeps reads as they were', () => {
    assert.equal(sftpError(status(2, 'No such file'), 'x', 'read').code, ErrorCode.NotFound);
    assert.equal(sftpError(new Error('socket hang up'), 'x', 'read').code, ErrorCode.Retryable);
  });
});
