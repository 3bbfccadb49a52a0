/**
 * Compressible text from a fixed vocabulary: application log lines with timestamps,
 * levels and numbers, and source-code-like files. Everything is drawn from a
 * {@link Prng}, so the same label always gives the same text.
 */
import { closeSync, openSync } from 'node:fs';
import { writeAll } from './fsutil.js';
import type { Prng } from './prng.js';

const WORDS = [
  'account', 'active', 'adapter', 'address', 'agent', 'alert', 'archive', 'array', 'async',
  'backup', 'balance', 'batch', 'binary', 'block', 'bucket', 'buffer', 'cache', 'channel',
  'chunk', 'client', 'cluster', 'commit', 'config', 'connect', 'context', 'counter', 'cursor',
  'daemon', 'data', 'delta', 'device', 'digest', 'disk', 'domain', 'driver', 'encode', 'engine',
  'entry', 'event', 'export', 'factor', 'field', 'filter', 'flush', 'format', 'frame', 'gateway',
  'group', 'handle', 'hash', 'header', 'host', 'index', 'input', 'instance', 'item', 'job',
  'journal', 'kernel', 'key', 'label', 'layer', 'ledger', 'limit', 'link', 'list', 'loader',
  'lock', 'manifest', 'mapping', 'marker', 'memory', 'merge', 'message', 'metric', 'mirror',
  'module', 'monitor', 'mount', 'node', 'object', 'offset', 'order', 'output', 'owner', 'pack',
  'packet', 'page', 'parser', 'partition', 'path', 'payload', 'peer', 'pipeline', 'policy',
  'pool', 'port', 'prefix', 'process', 'profile', 'proxy', 'queue', 'quota', 'range', 'reader',
  'record', 'region', 'registry', 'replica', 'report', 'request', 'resource', 'result', 'retry',
  'route', 'runner', 'sample', 'schema', 'scope', 'segment', 'sequence', 'server', 'service',
  'session', 'shard', 'signal', 'snapshot', 'socket', 'source', 'span', 'stage', 'state',
  'status', 'storage', 'stream', 'table', 'target', 'task', 'thread', 'ticket', 'timer', 'token',
  'topic', 'trace', 'tree', 'update', 'upload', 'user', 'value', 'vector', 'version', 'volume',
  'window', 'worker', 'writer', 'zone',
] as const;
const VERBS = [
  'load', 'store', 'open', 'close', 'send', 'receive', 'parse', 'encode', 'decode', 'verify',
  'flush', 'rotate', 'compact', 'resolve', 'schedule', 'allocate', 'release', 'refresh',
] as const;
const ERRORS = [
  'connection reset by peer', 'deadline exceeded', 'no such file or directory',
  'permission denied', 'resource temporarily unavailable', 'checksum mismatch',
  'broken pipe', 'invalid argument', 'too many open files', 'unexpected end of input',
] as const;
const SERVICES = [
  'api', 'auth', 'billing', 'catalog', 'scheduler', 'indexer', 'mailer', 'search', 'storage',
  'gateway', 'metrics', 'uploader',
] as const;
const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'] as const;
const STATUSES = [200, 200, 200, 200, 201, 204, 301, 304, 400, 401, 403, 404, 500, 503] as const;
const TYPES = ['string', 'number', 'boolean', 'Buffer', 'Uint8Array', 'Date', 'Map<string, number>'] as const;

const FLUSH_AT = 256 * 1024;
/** Upper bound on lines per file, so every generation loop ends. */
const MAX_LINES = 10_000_000;

const LICENSE_HEADER = [
  '/*',
  ' * Copyright 2024 The Example Authors. All rights reserved.',
  ' *',
  ' * Licensed under the Apache License, Version 2.0 (the "License");',
  ' * you may not use this file except in compliance with the License.',
  ' * You may obtain a copy of the License at',
  ' *',
  ' *     http://www.apache.org/licenses/LICENSE-2.0',
  ' *',
  ' * Unless required by applicable law or agreed to in writing, software',
  ' * distributed under the License is distributed on an "AS IS" BASIS,',
  ' * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.',
  ' */',
  '',
].join('\n');

function hex8(p: Prng): string {
  return p.u32().toString(16).padStart(8, '0');
}

function camel(p: Prng, parts: number): string {
  let out: string = p.pick(WORDS);
  for (let i = 1; i < parts; i++) {
    const w = p.pick(WORDS);
    out += w.charAt(0).toUpperCase() + w.slice(1);
  }
  return out;
}

function words(p: Prng, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(p.pick(WORDS));
  return out.join(' ');
}

/** Produces log lines with increasing timestamps. */
export class LogWriter {
  private timeMs: number;

  constructor(
    private readonly p: Prng,
    startMs: number,
  ) {
    this.timeMs = startMs;
  }

  /** One log line (sometimes followed by a short stack trace), ending in a newline. */
  line(): string {
    const p = this.p;
    this.timeMs += p.int(400);
    const ts = new Date(this.timeMs).toISOString();
    const roll = p.int(100);
    const level = roll < 70 ? 'INFO ' : roll < 85 ? 'DEBUG' : roll < 95 ? 'WARN ' : 'ERROR';
    const head = `${ts} ${level} [${p.pick(SERVICES)}-${p.int(16)}] `;
    if (level === 'ERROR') {
      const msg = `failed to ${p.pick(VERBS)} ${p.pick(WORDS)} ${hex8(p)}: ${p.pick(ERRORS)} (attempt ${p.range(1, 5)}/5)\n`;
      if (!p.chance(0.3)) return head + msg;
      let trace = '';
      const depth = p.range(2, 6);
      for (let i = 0; i < depth; i++) trace += `    at ${camel(p, 2)} (src/${p.pick(WORDS)}/${p.pick(WORDS)}.ts:${p.range(1, 900)}:${p.range(1, 80)})\n`;
      return head + msg + trace;
    }
    switch (p.int(5)) {
      case 0:
        return `${head}${p.pick(METHODS)} /api/v${p.range(1, 3)}/${p.pick(WORDS)}/${p.int(100000)} status=${p.pick(STATUSES)} latency_ms=${p.int(2000)} bytes=${p.int(65536)}\n`;
      case 1:
        return `${head}${words(p, p.range(3, 7))} user=${p.pick(WORDS)}${p.int(1000)} id=${hex8(p)}\n`;
      case 2:
        return `${head}cache ${p.chance(0.8) ? 'hit' : 'miss'} key=${p.pick(WORDS)}:${p.int(50000)} ttl=${p.int(3600)}s\n`;
      case 3:
        return `${head}${p.pick(VERBS)} ${p.pick(WORDS)} done in ${p.int(10000)}ms items=${p.int(5000)} queue=${p.int(200)}\n`;
      default:
        return `${head}${p.pick(WORDS)} after ${p.pick(VERBS)} of ${words(p, 2)} shard=${p.int(64)} offset=${p.int(10_000_000)}\n`;
    }
  }
}

/** One function or class of source-like text. */
function sourceBlock(p: Prng): string {
  const name = camel(p, p.range(2, 3));
  const lines: string[] = [];
  lines.push(`/** ${words(p, p.range(4, 10))}. */`);
  if (p.chance(0.3)) {
    const cls = name.charAt(0).toUpperCase() + name.slice(1);
    lines.push(`export class ${cls} {`);
    const fields = p.range(1, 5);
    for (let i = 0; i < fields; i++) lines.push(`  private ${camel(p, 2)}: ${p.pick(TYPES)};`);
    const methods = p.range(1, 4);
    for (let m = 0; m < methods; m++) {
      lines.push('', `  ${camel(p, 2)}(${p.pick(WORDS)}: ${p.pick(TYPES)}): void {`);
      const body = p.range(1, 6);
      for (let i = 0; i < body; i++) lines.push(`    this.${camel(p, 2)}(${p.pick(WORDS)}, ${p.int(1024)});`);
      lines.push('  }');
    }
    lines.push('}', '');
    return lines.join('\n') + '\n';
  }
  lines.push(`export function ${name}(${p.pick(WORDS)}: ${p.pick(TYPES)}, ${p.pick(WORDS)}Count: number): ${p.pick(TYPES)} {`);
  const body = p.range(2, 12);
  for (let i = 0; i < body; i++) {
    switch (p.int(5)) {
      case 0:
        lines.push(`  const ${camel(p, 2)} = ${camel(p, 2)}(${p.pick(WORDS)}, ${p.int(4096)});`);
        break;
      case 1:
        lines.push(`  if (${p.pick(WORDS)}Count > ${p.int(100)}) {`, `    return ${camel(p, 2)}(${p.pick(WORDS)});`, '  }');
        break;
      case 2:
        lines.push(`  for (let i = 0; i < ${p.pick(WORDS)}Count; i++) {`, `    ${p.pick(WORDS)}.push(${camel(p, 2)}[i]);`, '  }');
        break;
      case 3:
        lines.push(`  // ${words(p, p.range(3, 9))}`);
        break;
      default:
        lines.push(`  await ${p.pick(WORDS)}.${p.pick(VERBS)}(${JSON.stringify(words(p, 2))});`);
    }
  }
  lines.push(`  return ${p.pick(WORDS)};`, '}', '');
  return lines.join('\n') + '\n';
}

/** Source-like text of about `targetBytes` bytes (ends on a line boundary). */
export function sourceText(p: Prng, targetBytes: number): string {
  let out = LICENSE_HEADER;
  const imports = p.range(1, 6);
  for (let i = 0; i < imports; i++) out += `import { ${camel(p, 2)} } from './${p.pick(WORDS)}/${p.pick(WORDS)}.js';\n`;
  out += '\n';
  for (let i = 0; i < MAX_LINES && out.length < targetBytes; i++) out += sourceBlock(p);
  if (out.length <= targetBytes) return out;
  const cut = out.lastIndexOf('\n', targetBytes - 1);
  return cut > 0 ? out.slice(0, cut + 1) : out.slice(0, targetBytes);
}

/** Writes (or appends) about `targetBytes` of lines from `next` to `path`; returns bytes written. */
export function writeLines(path: string, targetBytes: number, next: () => string, append = false): number {
  const fd = openSync(path, append ? 'a' : 'w');
  let written = 0;
  let pending: string[] = [];
  let pendingLen = 0;
  try {
    for (let i = 0; i < MAX_LINES && written + pendingLen < targetBytes; i++) {
      const line = next();
      pending.push(line);
      pendingLen += line.length;
      if (pendingLen >= FLUSH_AT) {
        written += writeAll(fd, pending.join(''));
        pending = [];
        pendingLen = 0;
      }
    }
    if (pendingLen > 0) written += writeAll(fd, pending.join(''));
  } finally {
    closeSync(fd);
  }
  return written;
}
