/**
 * The local viewer under test: a real `coffer at <store> ui --no-browser` process on a free
 * loopback port, its printed URL (with the per-launch token), and a stop that sends SIGINT
 * and waits (bounded) for a clean exit. Also the store the viewer tests share, made with the
 * CLI: two snapshots of one source (tags `first` and `second`), a changed, a removed and an
 * added file and an added folder between them, text, binary, image and a file whose name and content are markup.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, requireChromium, type TestBrowser, type TestPage } from './browser.js';
import { backupJson, cleanupTmpDirs, createStore, describeRun, pollUntil, spawnCoffer, tmpDir, type RunningCoffer } from './cli.js';

export interface Viewer {
  /** The URL printed, token included. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly proc: RunningCoffer;
  stop(): Promise<void>;
}

const URL_LINE = /^(http:\/\/127\.0\.0\.1:\d+\/\S*)$/m;

/** Starts the viewer on `store` and waits (at most 30 s) for its URL line. */
export async function startViewer(store: string, extra: readonly string[] = []): Promise<Viewer> {
  const proc = spawnCoffer(['at', store, 'ui', '--no-browser', ...extra]);
  const ok = await pollUntil(() => URL_LINE.test(proc.stdoutSoFar()) || proc.exited(), 300, 100);
  if (!ok || proc.exited()) {
    proc.child.kill('SIGKILL');
    const r = await proc.done;
    assert.fail(`coffer at ${store} ui exited or printed no URL line within 30 s\n${describeRun(r)}`);
  }
  const url = URL_LINE.exec(proc.stdoutSoFar())?.[1] ?? '';
  const origin = new URL(url).origin;
  return {
    url,
    origin,
    proc,
    async stop() {
      if (proc.exited()) return;
      proc.child.kill('SIGINT');
      const stopped = await pollUntil(() => proc.exited(), 100, 100);
      if (!stopped) proc.child.kill('SIGKILL');
      const r = await proc.done;
      assert.ok(stopped, `the viewer did not stop within 10 s of SIGINT\n${describeRun(r)}`);
    },
  };
}

export const XSS_NAME = '<img src=x onerror=alert(1)>.html';
export const XSS_BODY = '<script>alert(2)</script>\n';
export const NOTES_V1 = 'line one\nline two\nline three\n';
export const NOTES_V2 = 'line one\nline 2, changed\nline three\nline four\n';
/** 1.5 MiB of numbered lines (more than a preview shows). */
export const LONG_TEXT = Array.from({ length: 150_000 }, (_, i) => `line ${String(i + 1).padStart(6, '0')}`).join('\n') + '\n';
/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export interface FixtureStore {
  readonly store: string;
  readonly src: string;
  /** Snapshot ids, oldest first: [first, second]. */
  readonly ids: readonly [string, string];
}

/** Makes the shared test store: two snapshots of one folder. */
export function makeFixtureStore(): FixtureStore {
  const root = tmpDir('coffer-ui-');
  const src = path.join(root, 'src');
  const store = path.join(root, 'store');
  fs.mkdirSync(path.join(src, 'docs', 'deep'), { recursive: true });
  fs.mkdirSync(path.join(src, 'data'));
  fs.writeFileSync(path.join(src, 'notes.txt'), NOTES_V1);
  fs.writeFileSync(path.join(src, 'docs', 'readme.md'), '# Readme\n\nThe docs folder.\n');
  fs.writeFileSync(path.join(src, 'docs', 'deep', 'inner.txt'), 'deep inside\n');
  fs.writeFileSync(path.join(src, 'docs', 'deep', 'random.bin'), randomBytes(150_000));
  fs.writeFileSync(path.join(src, 'data', 'random.bin'), randomBytes(300_000));
  fs.writeFileSync(path.join(src, 'data', 'long.txt'), LONG_TEXT);
  fs.writeFileSync(path.join(src, 'pic.png'), PNG);
  fs.writeFileSync(path.join(src, XSS_NAME), XSS_BODY);
  fs.writeFileSync(path.join(src, 'removed-later.txt'), 'only in the first snapshot\n');
  createStore(store);
  const first = backupJson(store, src, ['--tag', 'first']).id;
  fs.writeFileSync(path.join(src, 'notes.txt'), NOTES_V2);
  fs.rmSync(path.join(src, 'removed-later.txt'));
  fs.writeFileSync(path.join(src, 'added-later.txt'), 'only in the second snapshot\n');
  fs.mkdirSync(path.join(src, 'newdir'));
  fs.writeFileSync(path.join(src, 'newdir', 'a.txt'), 'a folder added in the second snapshot\n');
  fs.writeFileSync(path.join(src, 'newdir', 'b.txt'), 'and its second file\n');
  const second = backupJson(store, src, ['--tag', 'second']).id;
  return { store, src, ids: [first, second] };
}

/** A page in a fresh context that opened the viewer's printed URL (so it has the cookie). */
export async function signedInPage(browser: TestBrowser, viewer: Viewer, opts: { viewport?: { width: number; height: number } } = {}): Promise<TestPage> {
  const tp = await browser.newPage(opts);
  tp.page.setDefaultTimeout(30_000);
  await tp.page.goto(viewer.url);
  await tp.page.waitForURL((u) => !u.search.includes('token='));
  return tp;
}

/** Asserts that no dialog opened and no script error happened in the page. */
export function assertNothingRan(tp: TestPage, what: string): void {
  assert.deepEqual(tp.dialogs, [], `${what}: a dialog opened (script from a backup ran)`);
  assert.deepEqual(tp.errors, [], `${what}: page errors`);
}

export interface ViewerSuite<T extends { store: string }> {
  /** What `make` returned (the store and its facts). */
  fx: T;
  viewer: Viewer;
  browser: TestBrowser;
}

/**
 * Registers the suite's hooks (call inside `describe`): before, skip without Chromium (fail
 * in CI), make the store, start the viewer on it and a browser; after, stop both and remove
 * the temporary folders. The returned object is filled in by the time the tests run.
 */
export function viewerSuite<T extends { store: string }>(make: () => T): ViewerSuite<T> {
  const s = {} as ViewerSuite<T>;
  before(async function () {
    requireChromium(this);
    s.fx = make();
    s.viewer = await startViewer(s.fx.store);
    s.browser = await launchBrowser();
  });
  after(async () => {
    await s.browser?.close();
    await s.viewer?.stop();
    cleanupTmpDirs();
  });
  return s;
}
