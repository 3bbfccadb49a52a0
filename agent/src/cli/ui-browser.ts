/**
 * Opens the viewer's URL in the user's browser where one is available: `xdg-open` when it
 * is on PATH (desktop Linux and BSD), `open` on macOS, and nothing otherwise (a server, a
 * container): the printed URL is what the user opens then. The command runs detached with
 * no terminal I/O, the URL as one argument (no shell); its failure is never the viewer's.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function onPath(cmd: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const p = path.join(dir, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Starts the browser on `url`; returns whether a browser command was found. */
export function openBrowser(url: string, env: NodeJS.ProcessEnv): boolean {
  const cmd = onPath(process.platform === 'darwin' ? 'open' : 'xdg-open', env);
  if (!cmd) return false;
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: 'ignore', env });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}
