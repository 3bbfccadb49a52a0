/**
 * Verify (/stores/<store>/check): the store's last check and its age, and a form to start a
 * check — fast (structure), full (every byte) or a subset ("10%", "1/5"), optionally of some
 * snapshots — whose progress streams in live; the result names every damaged file and
 * snapshot and lists the issues found.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { call } from '../api/connect.js';
import { STORE, type CheckOutcome, type StoreInfo } from '../api/types.js';
import { Field } from '../components/controls.js';
import { RunButtons, RunStatus } from '../components/run-view.js';
import { Await } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { useRun } from '../components/use-run.js';
import { bytes, count, duration, shortId } from '../format.js';
import { fileUrl, treeUrl } from '../paths.js';
import { Link } from '../router.js';
import type { PageProps } from '../router-types.js';
import { StoreFrame } from './store-frame.js';
import { LastCheck } from './store-totals.js';

/** "<snapshot>:/<path>" → its parts. */
function splitDamaged(s: string): { snapshot: string; path: string } {
  const i = s.indexOf(':/');
  return i < 0 ? { snapshot: '', path: s } : { snapshot: s.slice(0, i), path: s.slice(i + 2) };
}

function Outcome({ store, r }: { store: string; r: CheckOutcome }): JSX.Element {
  const files = r.damagedFiles ?? [];
  const snaps = r.damagedSnapshots ?? [];
  const issues = r.issues ?? [];
  return (
    <section class={`outcome ${r.ok ? 'outcome-ok' : 'outcome-bad'}`} aria-labelledby="outcome-title">
      <h2 id="outcome-title">{r.ok ? 'The store is sound' : `Damage found: ${count(issues.length)} issue(s)`}</h2>
      <p>
        {count(r.packsChecked)} pack(s) checked, {bytes(r.bytesRead)} read in {duration(r.durationMs)}.
      </p>
      {files.length > 0 ? (
        <>
          <h3>Damaged files</h3>
          <ul id="damaged-files">
            {files.map((f) => {
              const d = splitDamaged(f);
              return <li key={f}>{d.snapshot ? <Link href={fileUrl(store, d.snapshot, d.path)}>{`${shortId(d.snapshot)}: ${d.path}`}</Link> : d.path}</li>;
            })}
          </ul>
        </>
      ) : null}
      {snaps.length > 0 ? (
        <>
          <h3>Damaged snapshots</h3>
          <ul id="damaged-snapshots">
            {snaps.map((s) => (
              <li key={s}>
                <Link href={treeUrl(store, s, '')} class="mono">
                  {s}
                </Link>
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {issues.length > 0 ? (
        <>
          <h3>Issues</h3>
          <ul class="issues">
            {issues.map((i, n) => (
              <li key={n}>
                <span class="tag">{i.kind ?? ''}</span> {i.id ? <span class="mono">{i.id.slice(0, 16)}</span> : null} {i.message ?? ''}
                {i.path ? ` (${i.path})` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

export function CheckPage(props: PageProps): JSX.Element {
  const store = props.params.store ?? '';
  const [mode, setMode] = useState('fast');
  const [subset, setSubset] = useState('10%');
  const [snaps, setSnaps] = useState('');
  const run = useRun<CheckOutcome>('Check');
  const info = useApi((signal) => call<StoreInfo>(STORE, 'GetStoreInfo', { store }, signal), [store, run.result]);
  const submit = (e: Event): void => {
    e.preventDefault();
    const snapshots = snaps.split(/[\s,]+/).filter((s) => s !== '');
    run.start({ store, mode: mode === 'subset' ? subset.trim() : mode, snapshots });
  };
  return (
    <StoreFrame props={props} title="Verify">
      <Await st={info} what="the last check">
        {(i) => (
          <p>
            Last check: <LastCheck check={i.lastCheck} store={store} />
          </p>
        )}
      </Await>
      <form class="filters" onSubmit={submit} aria-label="Start a check">
        <fieldset>
          <legend>What to read</legend>
          {[
            ['fast', 'Fast: the structure (index, trees, packs present)'],
            ['full', 'Full: every byte of every pack'],
            ['subset', 'A subset of the packs'],
          ].map(([v, label]) => (
            <label key={v} class="radio">
              <input type="radio" name="mode" value={v} checked={mode === v} onChange={() => setMode(v ?? 'fast')} /> {label}
            </label>
          ))}
        </fieldset>
        {mode === 'subset' ? (
          <Field id="c-subset" label="Subset" hint='"10%" or "1/5"'>
            <input id="c-subset" value={subset} onInput={(e) => setSubset(e.currentTarget.value)} />
          </Field>
        ) : null}
        <Field id="c-snaps" label="Only these snapshots" hint="ids or prefixes, blank: all">
          <input id="c-snaps" value={snaps} onInput={(e) => setSnaps(e.currentTarget.value)} />
        </Field>
        <RunButtons run={run} label="Start the check" />
      </form>
      <RunStatus run={run} label="Check progress" />
      {run.result ? <Outcome store={store} r={run.result} /> : null}
    </StoreFrame>
  );
}
