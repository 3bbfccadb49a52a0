/**
 * Reads a line from the terminal without echoing it (passphrases, passwords): stdin in
 * raw mode, backspace edits, Enter ends, Ctrl-C or Ctrl-D refuses with a CofferError
 * (Interrupted). The caller checks that stdin is a TTY.
 */
import { CofferError, ErrorCode } from './errors.js';

/** Prompts on stderr and reads one hidden line from stdin (a TTY). */
export function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const done = (err?: Error): void => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (buf: Buffer): void => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new CofferError(ErrorCode.Interrupted, 'interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
