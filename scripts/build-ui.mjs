// Builds the single-page app (shared/ui) with esbuild into shared/dist-ui: index.html plus
// assets/app-[hash].js and assets/app-[hash].css (content-hashed, so they can be cached
// forever). Run by `npm run build` after `tsc -b` (which type-checks shared/ui). No inline
// script or style is produced: the page CSP forbids both. `--dev` keeps names readable.
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ui = join(root, 'shared', 'ui');
const out = join(root, 'shared', 'dist-ui');
const dev = process.argv.includes('--dev');

await rm(out, { recursive: true, force: true });
await mkdir(join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { app: join(ui, 'src', 'main.tsx') },
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: !dev,
  sourcemap: dev ? 'linked' : false,
  legalComments: 'none',
  entryNames: 'assets/[name]-[hash]',
  outdir: out,
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((p) => basename(p));
const js = outputs.find((p) => p.endsWith('.js'));
const css = outputs.find((p) => p.endsWith('.css'));
if (!js || !css) throw new Error(`build-ui: esbuild produced no ${js ? 'css' : 'js'} file`);
const html = (await readFile(join(ui, 'index.html'), 'utf8')).replace('%JS%', js).replace('%CSS%', css);
await writeFile(join(out, 'index.html'), html);
console.log(`build-ui: shared/dist-ui/index.html, assets/${js}, assets/${css}`);
