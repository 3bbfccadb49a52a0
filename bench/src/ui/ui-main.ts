/**
 * Entry point of `npm run bench:ui`: the local viewer (`coffer at STORE ui`) on a store with
 * a folder of 100,000 entries and a ~500 MB data folder (ui-dataset.ts, kept between
 * runs). Measures, through the viewer's HTTP API as the browser uses it: the first listing
 * of the big folder (the first call of the process: the tree is read and sorted), p50/p95
 * of listings of later pages, the first listing in another order, and a tar download of the
 * data folder (MB/s, and the serving process's RSS growth during it). Prints the load
 * average before and after (the machine may be shared) and a table against the targets.
 * Then the console leg (ui-console.ts): the same listings through a real controller and a
 * real agent (the target of p50 < 300 ms is for that path); `--no-console` skips it.
 */
import fs from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupTmpDirs } from '@coffer/test/helpers/cli.js';
import { BenchError, messageOf } from '../errors.js';
import { parseUiOptions, UI_USAGE } from './ui-args.js';
import { startViewer, type WebClient } from './ui-client.js';
import { CONSOLE_STORE, startConsoleLeg } from './ui-console.js';
import { uiDataset } from './ui-dataset.js';
import { procKb, resetPeak, sampleRss } from './ui-rss.js';

const MIB = 1024 * 1024;

function log(m: string): void {
  process.stderr.write(`bench:ui: ${m}\n`);
}

function load(): string {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').trim();
  } catch {
    return loadavg().map((x) => x.toFixed(2)).join(' ');
  }
}

/** Nearest-rank quantile (NaN when empty). */
function quantile(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
}

const ms = (x: number): string => `${x.toFixed(0)} ms`;

interface Listings {
  readonly firstMs: number;
  readonly laterMs: number[];
  readonly bySizeMs: number;
}

/** The first listing of big/, then `n` later pages, then the first listing by size. */
async function listings(client: WebClient, snapshot: string, entries: number, pageSize: number, n: number, store = ''): Promise<Listings> {
  const page = (offset: number, sort = 'name') => client.call('ListTree', { store, snapshot, path: 'big', offset, limit: pageSize, sort });
  const first = await page(0);
  if (first.json.total !== entries) throw new BenchError(`the big folder lists ${String(first.json.total)} entries, not ${entries}`);
  const laterMs: number[] = [];
  const pages = Math.max(1, Math.floor(entries / pageSize));
  for (let i = 1; i <= n; i++) laterMs.push((await page((i % pages) * pageSize)).ms);
  return { firstMs: first.ms, laterMs, bySizeMs: (await page(0, 'size')).ms };
}

async function main(): Promise<void> {
  const opts = parseUiOptions(process.argv.slice(2));
  if (opts.help) {
    console.log(UI_USAGE);
    return;
  }
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const loadBefore = load();
  log(`load average before: ${loadBefore}`);
  const ds = uiDataset(path.resolve(opts.work ?? path.join(root, 'bench', 'work', 'ui')), opts.entries, opts.dataMb, log);
  const viewer = await startViewer(ds.store);
  try {
    const rssStart = procKb(viewer.pid, 'VmRSS') ?? 0;
    const local = await listings(viewer, ds.snapshot, ds.entries, opts.pageSize, opts.listings);
    const rssListed = procKb(viewer.pid, 'VmRSS') ?? 0;
    const peakReset = resetPeak(viewer.pid);
    const base = procKb(viewer.pid, 'VmRSS') ?? 0;
    const sampler = sampleRss(viewer.pid);
    const tar = await viewer.download(`/download/archive?snapshot=${ds.snapshot}&path=data&format=tar`);
    const sampled = sampler.stop();
    const hwm = peakReset ? (procKb(viewer.pid, 'VmHWM') ?? 0) : 0;
    if (tar.bytes < ds.dataBytes) throw new BenchError(`the tar holds ${tar.bytes} bytes, less than the ${ds.dataBytes} of data`);
    const growth = Math.max(sampled, hwm) - base;
    const mbps = tar.bytes / 1e6 / (tar.ms / 1000);
    await viewer.stop();
    let remote: (Listings & { setupMs: number }) | undefined;
    let remoteError = '--no-console';
    if (opts.console) {
      log('starting a controller and an agent for the console leg');
      const leg = await startConsoleLeg(ds.store);
      try {
        remote = { ...(await listings(leg.client, ds.snapshot, ds.entries, opts.pageSize, opts.listings, CONSOLE_STORE)), setupMs: leg.setupMs };
      } catch (err) {
        // Reported in the table: the local legs stand on their own.
        remoteError = messageOf(err);
        log(`console leg failed: ${remoteError}`);
      } finally {
        await leg.stop();
      }
    }
    const p50 = quantile(local.laterMs, 0.5);
    const p95 = quantile(local.laterMs, 0.95);
    const loadAfter = load();
    const cpu = cpus();
    const rows: [string, string, string][] = [
      ['viewer start (store opened, index loaded)', ms(viewer.startMs), ''],
      [`first listing of big/ (${ds.entries} entries, page of ${opts.pageSize}, by name)`, ms(local.firstMs), ''],
      [`listings of later pages, p50 (${local.laterMs.length})`, ms(p50), p50 < 300 ? '(target < 300 ms through an agent)' : 'over 300 ms even locally'],
      [`listings of later pages, p95`, ms(p95), ''],
      ['first listing by size (another sort of the same folder)', ms(local.bySizeMs), ''],
      [`tar download of data/ (${(tar.bytes / 1e6).toFixed(0)} MB)`, `${mbps.toFixed(0)} MB/s`, mbps >= 100 ? 'target >= 100 MB/s: met' : 'target >= 100 MB/s: MISSED'],
      ['RSS growth of the viewer during the tar download', `${(growth / MIB).toFixed(1)} MiB`, growth < 100 * MIB ? 'target < 100 MiB: met' : 'target < 100 MiB: MISSED'],
      ['RSS of the viewer: after start / after the listings', `${(rssStart / MIB).toFixed(0)} / ${(rssListed / MIB).toFixed(0)} MiB`, ''],
    ];
    if (remote) {
      const r50 = quantile(remote.laterMs, 0.5);
      rows.push(
        ['console leg: controller + agent started, store added, logged in', ms(remote.setupMs), ''],
        ['through the console and an agent: first listing of big/ (agent opens the store)', ms(remote.firstMs), ''],
        [`through the console and an agent: later pages, p50 (${remote.laterMs.length})`, ms(r50), r50 < 300 ? 'target < 300 ms: met' : 'target < 300 ms: MISSED'],
        ['through the console and an agent: later pages, p95', ms(quantile(remote.laterMs, 0.95)), ''],
        ['through the console and an agent: first listing by size', ms(remote.bySizeMs), ''],
      );
    } else rows.push(['listing through the console and an agent', 'not measured', remoteError === '--no-console' ? '(--no-console)' : `TODO: ${remoteError}`]);
    const w = Math.max(...rows.map((r) => r[0].length));
    console.log(`Coffer viewer benchmark, ${new Date().toISOString()}${ds.made ? '' : ' (dataset reused)'}`);
    console.log(`machine: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} logical cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; node ${process.version}`);
    console.log(`load average (/proc/loadavg) before: ${loadBefore}; after: ${loadAfter}`);
    console.log(`store on local disk: ${ds.store}; the harness and the viewer share the machine; everything on 127.0.0.1\n`);
    for (const [k, v, t] of rows) console.log(`${k.padEnd(w)}  ${v.padStart(14)}  ${t}`);
    if (!peakReset) console.log('\n(the peak RSS could not be reset through /proc/PID/clear_refs: the growth is from 20 ms samples only)');
    if (opts.json !== undefined) {
      fs.writeFileSync(path.resolve(opts.json), JSON.stringify({ options: opts, loadBefore, loadAfter, startMs: viewer.startMs, local, remote, tar: { ...tar, mbps, growthBytes: growth }, rssStart, rssListed }, null, 2) + '\n');
    }
  } finally {
    await viewer.stop();
    cleanupTmpDirs();
  }
}

try {
  await main();
} catch (err) {
  process.stderr.write(`bench:ui: error: ${messageOf(err)}\n`);
  process.exitCode = err instanceof BenchError ? err.exitCode : 1;
}
