/** Unit tests of the load-average and heavy-process readers of the benchmark. */
import assert from 'node:assert/strict';
import { heavyOthers, loadText, parseLoadavg, parsePs } from '../loadavg.js';
import { loadLines } from '../report.js';

const PS = [
  '    1     0  0.0 systemd         /sbin/init',
  '  100     1  0.5 node            node /usr/lib/node_modules/npm/bin/npm-cli.js run bench',
  '  101   100  0.0 sh              sh -c bash scripts/bench.sh',
  '  102   101  9.0 node            node bench/dist/main.js --reps 3',
  '  103   102 80.0 node            /usr/bin/node bin/coffer.js at store backup .',
  '  200     1 95.0 node            node /work/other/node_modules/.bin/tsc -b',
  '  201     1 40.0 node            node /work/other/node_modules/.bin/mocha test/dist/x.test.js',
  '  202     1 30.0 esbuild         /work/other/node_modules/esbuild/bin/esbuild --service',
  '  203     1 10.0 restic          restic -r /tmp/s backup .',
  '  204     1  0.0 bash            bash',
  '  205   204 20.0 sh              sh -c npx tsc -b',
  '  206     1  9.0 esbuild         [esbuild] <defunct>',
  'garbage line',
].join('\n');

describe('bench load average and heavy processes', () => {
  it('reads the three load averages of /proc/loadavg', () => {
    assert.deepEqual(parseLoadavg('0.33 0.40 0.52 1/141 12974\n'), { one: 0.33, five: 0.4, fifteen: 0.52 });
    assert.equal(parseLoadavg('nonsense'), undefined);
    assert.equal(loadText({ one: 1.6, five: 0.4, fifteen: 0.52 }), '1.60 0.40 0.52 (1, 5, 15 min)');
  });

  it('finds the heavy processes other than the harness, its ancestors and its steps', () => {
    const rows = parsePs(PS);
    assert.equal(rows.length, 12);
    const pids = heavyOthers(rows, 102).map((r) => r.pid);
    assert.deepEqual(pids, [200, 201, 202, 203, 205]);
  });

  it('prints the load before and after, the busy warning and the heavy processes', () => {
    const lines = loadLines(
      { load: { one: 2.1, five: 1, fifteen: 0.5 }, heavy: ['pid 200 (95% CPU): node tsc -b'] },
      { load: { one: 1, five: 1, fifteen: 0.6 }, heavy: [] },
      'machine busy, rerun',
    );
    assert.equal(lines[0], 'load average at start 2.10 1.00 0.50 (1, 5, 15 min); at end 1.00 1.00 0.60 (1, 5, 15 min)');
    assert.ok(lines.includes('!!! no target is called met: machine busy, rerun'));
    assert.ok(lines.some((l) => l.includes('pid 200')));
  });
});
