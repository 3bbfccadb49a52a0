/**
 * A catalog list (stores, sources or destinations) with add, edit and remove: the
 * entries in a table, "Add" and "Edit" opening the entry's form (EntityForm), "Remove"
 * asking first. Saving calls Add* or Update* and keeps the form open with the API's
 * problems beside their fields when it is refused. Only admins see the buttons.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { ctl } from '../api.js';
import { fieldErrors, type FieldErrors } from '../api-error.js';
import { useCan } from '../session.js';
import { usePoll } from '../use-poll.js';
import { ErrorLine, RemoveButton, Table } from '../widgets.js';
import { CatalogNav } from './catalog-nav.js';
import { EntityForm, type FormField, type Values } from './entity-form.js';

export interface Column<T> {
  readonly label: string;
  readonly cell: (t: T) => ComponentChildren;
}

/** What a catalog page lists and how its form maps to the API. */
export interface EntitySpec<T> {
  /** "store" */
  readonly noun: string;
  /** "Stores" */
  readonly title: string;
  readonly list: (signal: AbortSignal) => Promise<readonly T[]>;
  readonly nameOf: (t: T) => string;
  readonly columns: readonly Column<T>[];
  readonly fields: readonly FormField[];
  readonly blank: () => Values;
  readonly valuesOf: (t: T) => Values;
  readonly save: (v: Values, editing: boolean) => Promise<unknown>;
  readonly remove: (name: string) => Promise<unknown>;
  /** Extra words in the remove question. */
  readonly removeNote?: string;
}

const NO_ERRORS: FieldErrors = { byField: {}, rest: '' };

export function CatalogPage<T>({ spec }: { readonly spec: EntitySpec<T> }): JSX.Element {
  const manage = useCan('manage');
  const { data, error, reload } = usePoll(spec.list, 10_000, [spec.noun]);
  const needAgents = spec.fields.some((f) => f.kind === 'agent');
  const agents = usePoll(async (signal) => (needAgents && manage ? ((await ctl('ListAgents', {}, signal)).agents ?? []).map((a) => a.name ?? '') : []), 0, [needAgents, manage]);
  const [form, setForm] = useState<{ values: Values; editing: boolean } | undefined>();
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);

  const open = (values: Values, editing: boolean): void => (setErrors(NO_ERRORS), setForm({ values, editing }));
  const submit = async (): Promise<void> => {
    if (!form) return;
    setBusy(true);
    try {
      await spec.save(form.values, form.editing);
      setForm(undefined);
      reload();
    } catch (err) {
      setErrors(fieldErrors(err, spec.fields.map((f) => f.api)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="console-page catalog">
      <h1>Catalog: {spec.title}</h1>
      <CatalogNav />
      <ErrorLine text={error} />
      {manage && !form && <button type="button" onClick={() => open(spec.blank(), false)}>Add a {spec.noun}</button>}
      {form && (
        <EntityForm
          title={form.editing ? `Edit ${spec.noun} ${String(form.values.name)}` : `Add a ${spec.noun}`}
          fields={spec.fields}
          values={form.values}
          editing={form.editing}
          errors={errors}
          agents={agents.data ?? []}
          busy={busy}
          onChange={(values) => setForm({ ...form, values })}
          onSubmit={() => void submit()}
          onCancel={() => setForm(undefined)}
        />
      )}
      {!data ? <p aria-busy="true">Loading…</p> : data.length === 0 ? <p>No {spec.noun} yet.</p> : (
        <Table
          caption={spec.title}
          head={[...spec.columns.map((c) => c.label), ...(manage ? [''] : [])]}
          rows={data}
          row={(t) => (
            <tr key={spec.nameOf(t)} data-name={spec.nameOf(t)}>
              {spec.columns.map((c, i) => (i === 0 ? <th scope="row" key={c.label}>{c.cell(t)}</th> : <td key={c.label}>{c.cell(t)}</td>))}
              {manage && (
                <td class="actions">
                  <button type="button" onClick={() => open(spec.valuesOf(t), true)} aria-label={`Edit ${spec.noun} ${spec.nameOf(t)}`}>Edit</button>
                  <RemoveButton noun={spec.noun} name={spec.nameOf(t)} note={spec.removeNote} remove={async () => (await spec.remove(spec.nameOf(t)), reload())} />
                </td>
              )}
            </tr>
          )}
        />
      )}
    </div>
  );
}
