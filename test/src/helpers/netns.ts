/**
 * A network namespace of a test's own (root only): `ip netns add` with its loopback up,
 * so that a server and the client under test, both run in it on its 127.0.0.1, talk only
 * to each other; `silence` makes the server stop answering (iptables DROP of its port,
 * both ways) and `restore` lets packets flow again. `remove` deletes the namespace
 * (and its rules with it); call it from `after`, it is safe to call twice.
 */
import { execFileSync } from 'node:child_process';

/** A namespace made for one test suite. */
export interface TestNetns {
  readonly name: string;
  /** Drops every TCP packet to and from `port` inside the namespace. */
  silence(port: number): void;
  /** Undoes {@link silence}. */
  restore(port: number): void;
  remove(): void;
}

function ip(args: readonly string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function rules(ns: string, op: '-A' | '-D', port: number): void {
  for (const dir of ['--dport', '--sport']) {
    execFileSync('ip', ['netns', 'exec', ns, 'iptables', op, 'INPUT', '-p', 'tcp', dir, String(port), '-j', 'DROP'], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

/** Creates a namespace named `coffer-<tag>-<pid>` with its loopback up. */
export function createNetns(tag: string): TestNetns {
  const name = `coffer-${tag}-${process.pid}`;
  ip(['netns', 'add', name]);
  let removed = false;
  const remove = (): void => {
    if (removed) return;
    removed = true;
    ip(['netns', 'del', name]);
  };
  try {
    ip(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
  } catch (err) {
    remove();
    throw err;
  }
  return { name, silence: (port) => rules(name, '-A', port), restore: (port) => rules(name, '-D', port), remove };
}
