/**
 * Where `coffer ctl user add|passwd` get a password: `--password-file F` (its first line,
 * line end removed), else a prompt on the terminal that echoes nothing, asked twice. A
 * password is never taken from the command line (other users of the machine can read
 * it there), and without a terminal and a file the command fails, naming --password-file.
 */
import fs from 'node:fs';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { prompt as hiddenLine } from '@coffer/shared/tty-prompt.js';

/** The password from `file`, or asked twice on the terminal for `user`. */
export async function readPassword(file: string | undefined, user: string): Promise<string> {
  if (file !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new CofferError(ErrorCode.Usage, `cannot read --password-file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    const line = text.split(/\r?\n/, 1)[0] ?? '';
    if (line === '') throw new CofferError(ErrorCode.Usage, `--password-file ${file} is empty; write the password on its first line`);
    return line;
  }
  if (!process.stdin.isTTY) throw new CofferError(ErrorCode.Usage, 'no terminal to ask for the password; give --password-file F (a file holding it on its first line)');
  const first = await hiddenLine(`password for ${user}: `);
  const again = await hiddenLine('again: ');
  if (first !== again) throw new CofferError(ErrorCode.Usage, 'the two passwords differ; nothing changed');
  return first;
}
