/**
 * Reading one ssh_config file into lines as OpenSSH 9.2's readconf.c does: the keyword
 * (lowercased) ends at whitespace or one `=`; the arguments are split like argv_split():
 * whitespace separates, "double" and 'single' quotes group, `\"` `\'` `\\` and (outside
 * quotes) `\ ` escape, and an unquoted `#` at the start of an argument ends the line.
 * The raw remainder is kept for keywords that take a command line (ProxyCommand).
 * Guarantees: pure but for reading the file; a missing or unreadable file is `undefined`;
 * unbalanced quotes are a Config error naming the file and line.
 */
import fs from 'node:fs';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';

/** One keyword line. */
export interface ConfigLine {
  readonly file: string;
  readonly line: number;
  /** The keyword, lowercased. */
  readonly key: string;
  readonly args: readonly string[];
  /** The text after the keyword and its separator, as written. */
  readonly raw: string;
}

/** Splits arguments as OpenSSH's argv_split (terminating on comments); undefined on an unclosed quote. */
export function splitArgs(s: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    if (c === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const ch = s[i] as string;
      const next = s[i + 1];
      if (ch === '\\') {
        if (next === "'" || next === '"' || next === '\\' || (quote === '' && next === ' ')) {
          i++;
          arg += next;
        } else arg += ch;
      } else if (quote === '' && (ch === ' ' || ch === '\t')) break;
      else if (quote === '' && (ch === '"' || ch === "'")) quote = ch;
      else if (quote !== '' && ch === quote) quote = '';
      else arg += ch;
    }
    if (quote !== '') return undefined;
    out.push(arg);
  }
  return out;
}

/** Parses the text of a config file. */
export function parseConfig(text: string, file: string): ConfigLine[] {
  const out: ConfigLine[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] as string).replace(/[ \t\r\f]+$/, '').replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([^\s="]+)[ \t]*(?:=[ \t]*)?/.exec(line);
    if (!m) continue;
    const raw = line.slice(m[0].length);
    const args = splitArgs(raw);
    if (!args) throw new CofferError(ErrorCode.Config, `${file} line ${n + 1}: unbalanced quotes; close the quote or remove it`);
    out.push({ file, line: n + 1, key: (m[1] as string).toLowerCase(), args, raw });
  }
  return out;
}

/** Reads and parses `file`; undefined when it cannot be read. */
export function readConfig(file: string): ConfigLine[] | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return parseConfig(text, file);
}
