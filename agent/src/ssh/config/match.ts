/**
 * `Match` lines as OpenSSH 9.2's match_cfg_line(): the criteria host (the HostName so far,
 * %h expanded, else the name as given), originalhost, user (the remote user so far),
 * localuser, exec (a /bin/sh command, with path tokens expanded, that matches when it
 * exits 0; not run once an earlier criterion failed), all, canonical and final (true
 * only in the second, final pass; `final` asks for that pass). Each criterion may be
 * negated with `!`; all must hold. Pattern lists are comma-separated with `!` negation,
 * host names compared without case. Unknown criteria are a Config error naming the line.
 */
import { spawnSync } from 'node:child_process';
import { CofferError, ErrorCode } from '@coffer/shared/errors.js';
import { matchPatternList } from './patterns.js';
import type { ConfigLine } from './parse.js';
import { percentExpand, TOKENS, type TokenValues } from './tokens.js';

/** What a Match line is evaluated against. */
export interface MatchContext {
  /** The host for `Match host` (see the header). */
  readonly host: string;
  readonly originalHost: string;
  readonly remoteUser: string;
  readonly localUser: string;
  readonly finalPass: boolean;
  /** Values for the tokens of `exec` commands. */
  readonly tokens: TokenValues;
  readonly env: NodeJS.ProcessEnv;
  /** Called when the line names `final`. */
  wantFinalPass(): void;
}

function execMatches(cmd: string, ctx: MatchContext, where: string): boolean {
  const expanded = percentExpand(cmd, TOKENS.path, ctx.tokens, `${where}: Match exec`);
  const r = spawnSync('/bin/sh', ['-c', expanded], { stdio: 'ignore', env: ctx.env, timeout: 30_000 });
  return r.status === 0;
}

/** Whether the Match line `l` applies. */
export function matchLine(l: ConfigLine, ctx: MatchContext): boolean {
  const where = `${l.file} line ${l.line}`;
  const args = l.args;
  if (args.length === 0) throw new CofferError(ErrorCode.Config, `${where}: Match needs criteria (e.g. Match host NAME, or Match all)`);
  let result = true;
  for (let i = 0; i < args.length; i++) {
    let attr = (args[i] as string).toLowerCase();
    const negate = attr.startsWith('!');
    if (negate) attr = attr.slice(1);
    if (attr === 'all' || attr === 'canonical' || attr === 'final') {
      if (attr === 'final') ctx.wantFinalPass();
      const r = attr === 'all' ? true : ctx.finalPass;
      if (r === negate) result = false;
      continue;
    }
    const arg = args[++i];
    if (arg === undefined || arg === '' || arg.startsWith('#')) {
      throw new CofferError(ErrorCode.Config, `${where}: Match ${attr} needs an argument`);
    }
    let r: boolean;
    switch (attr) {
      case 'host':
        r = matchPatternList(ctx.host, arg, true) === 1;
        break;
      case 'originalhost':
        r = matchPatternList(ctx.originalHost, arg, true) === 1;
        break;
      case 'user':
        r = matchPatternList(ctx.remoteUser, arg, false) === 1;
        break;
      case 'localuser':
        r = matchPatternList(ctx.localUser, arg, false) === 1;
        break;
      case 'exec':
        if (!result) continue; // OpenSSH skips the command once the line cannot match
        r = execMatches(arg, ctx, where);
        break;
      default:
        throw new CofferError(ErrorCode.Config, `${where}: unsupported Match criterion '${attr}'; use host, originalhost, user, localuser, exec, all, canonical or final`);
    }
    if (r === negate) result = false;
  }
  return result;
}
