/**
 * Enrolling a machine (admins): creates a one-time token (CreateEnrollmentToken, with a
 * lifetime) and shows the exact `coffer agent enroll` line to paste on the machine, as
 * agent/src/cli/verbs/agent.ts parses it: `--controller HOST:PORT --token T --name N
 * --data DIR [--label k=v ...]`, each value shell-quoted when it needs to be. The token
 * carries the CA's pin, so no --ca is needed. The line updates as the fields change; a
 * button copies it. The token is shown only here, never stored.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ctl } from './api.js';
import { fieldErrors, type FieldErrors } from './api-error.js';
import { when } from './format.js';
import { CopyButton } from './copy-button.js';
import type { EnrollmentToken } from './wire.js';
import { ErrorLine, Field } from './widgets.js';

/** `s` as one POSIX shell word. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The enroll command line for these values; labels are "k=v" separated by commas or spaces. */
export function enrollLine(o: { controller: string; token: string; name: string; data: string; labels: string }): string {
  const labels = o.labels.split(/[\s,]+/).filter(Boolean).flatMap((l) => ['--label', shellQuote(l)]);
  return ['coffer agent enroll', '--controller', shellQuote(o.controller), '--token', shellQuote(o.token), '--name', shellQuote(o.name || 'NAME'), '--data', shellQuote(o.data), ...labels].join(' ');
}

const TTLS: readonly [number, string][] = [[3600, '1 hour'], [86400, '1 day'], [7 * 86400, '7 days'], [600, '10 minutes']];

export function EnrollPanel({ controller }: { readonly controller: string }): JSX.Element {
  const [ttl, setTtl] = useState(3600);
  const [token, setToken] = useState<EnrollmentToken | undefined>();
  const [errs, setErrs] = useState<FieldErrors>({ byField: {}, rest: '' });
  const [addr, setAddr] = useState(controller);
  const [name, setName] = useState('');
  const [data, setData] = useState('/var/lib/coffer-agent');
  const [labels, setLabels] = useState('');

  const create = async (): Promise<void> => {
    setErrs({ byField: {}, rest: '' });
    try {
      setToken(await ctl('CreateEnrollmentToken', { ttlSeconds: ttl }));
    } catch (err) {
      setErrs(fieldErrors(err, ['ttl_seconds']));
    }
  };
  const line = token ? enrollLine({ controller: addr, token: token.token ?? '', name, data, labels }) : '';

  return (
    <section aria-labelledby="enroll-h" class="panel enroll">
      <h2 id="enroll-h">Enroll a machine</h2>
      <div class="row">
        <label for="enroll-ttl">Token valid for</label>
        <select id="enroll-ttl" value={String(ttl)} onChange={(e) => setTtl(Number(e.currentTarget.value))}>
          {TTLS.map(([s, label]) => <option key={s} value={String(s)}>{label}</option>)}
        </select>
        <button type="button" onClick={() => void create()}>Create enrollment token</button>
      </div>
      <ErrorLine text={errs.byField.ttl_seconds ?? errs.rest} />
      {token && (
        <>
          <p>The token can be used once, until {when(token.expiresMs)}. On the machine, run:</p>
          <div class="fields-inline">
            <Field label="Controller address (agents' port)" value={addr} onInput={setAddr} />
            <Field label="Agent name" value={name} onInput={setName} placeholder="web1" />
            <Field label="Data folder" value={data} onInput={setData} />
            <Field label="Labels (k=v, comma-separated)" value={labels} onInput={setLabels} placeholder="site=paris" />
          </div>
          <pre class="command" aria-label="enroll command"><code data-testid="enroll-line">{line}</code></pre>
          <CopyButton text={line} label="Copy command" />
          <p class="muted">Then start it with <code>coffer agent start --data {shellQuote(data)}</code>.</p>
        </>
      )}
    </section>
  );
}
