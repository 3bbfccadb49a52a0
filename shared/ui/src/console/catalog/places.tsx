/**
 * What the stores, sources and destinations pages list and edit: their columns, their
 * form fields (proto field names, so the API's problems land beside the right input),
 * and the Add, Update and Remove calls. A store's passphrase is write-only: left empty
 * while editing, the controller keeps the one it has. Each store links to its snapshots.
 */
import type { JSX } from 'preact';
import { ctl } from '../api.js';
import { ago, when } from '../format.js';
import { CatalogPage, type EntitySpec } from './catalog-page.js';
import type { Destination, Source, Store } from '../wire.js';
import { formatOptions, parseOptions, type FormField, type Values } from './entity-form.js';
import { Link } from '../../router.js';

const str = (v: Values, k: string): string => String(v[k] ?? '').trim();
const optionsText = (o: Readonly<Record<string, string | undefined>> | undefined): string => formatOptions(o, ', ') || '—';

const NAME: FormField = { api: 'name', label: 'Name', kind: 'text', hint: "letters, digits, '.', '_' and '-'" };
const LOCATION: FormField = { api: 'location', label: 'Location', kind: 'text', placeholder: 'sftp://backup@nas.example/srv/coffer', hint: 'an absolute path, fs:///path or sftp://[user@]host[:port]/path' };
const AGENT: FormField = { api: 'agent', label: 'Agent', kind: 'agent' };
const options = (hint: string): FormField => ({ api: 'options', label: 'Options (one key=value per line)', kind: 'options', hint });

export const storeSpec: EntitySpec<Store> = {
  noun: 'store',
  title: 'Stores',
  list: async (signal) => (await ctl('ListStores', {}, signal)).stores ?? [],
  nameOf: (s) => s.name ?? '',
  columns: [
    { label: 'Name', cell: (s) => s.name },
    { label: 'Location', cell: (s) => s.location },
    { label: 'Options', cell: (s) => optionsText(s.options) },
    { label: 'Passphrase', cell: (s) => (s.passphraseOnAgent ? 'held by the agents' : s.hasPassphrase ? 'held by the controller' : 'none') },
    { label: 'Snapshots', cell: (s) => <Link href={`/stores/${encodeURIComponent(s.name ?? '')}/snapshots`}>Browse {s.name}</Link> },
  ],
  fields: [
    NAME,
    LOCATION,
    options('connector options, and reach=k=v (the agents that can reach it), max_jobs=N'),
    { api: 'passphrase', label: 'Passphrase', kind: 'password', hint: 'kept encrypted by the controller; leave empty to keep the current one' },
    { api: 'passphrase_on_agent', label: 'The agents hold the passphrase', kind: 'checkbox' },
  ],
  blank: () => ({ name: '', location: '', options: '', passphrase: '', passphrase_on_agent: false }),
  valuesOf: (s) => ({ name: s.name ?? '', location: s.location ?? '', options: formatOptions(s.options), passphrase: '', passphrase_on_agent: s.passphraseOnAgent === true }),
  save: (v, editing) => {
    const req = { name: str(v, 'name'), location: str(v, 'location'), options: parseOptions(String(v.options ?? '')), passphrase: String(v.passphrase ?? ''), passphraseOnAgent: v.passphrase_on_agent === true };
    return editing ? ctl('UpdateStore', req) : ctl('AddStore', req);
  },
  remove: (name) => ctl('RemoveStore', { name }),
  removeNote: 'The data in the store stays where it is.',
};

export const sourceSpec: EntitySpec<Source> = {
  noun: 'source',
  title: 'Sources',
  list: async (signal) => (await ctl('ListSources', {}, signal)).sources ?? [],
  nameOf: (s) => s.name ?? '',
  columns: [
    { label: 'Name', cell: (s) => s.name },
    { label: 'Location', cell: (s) => s.location },
    { label: 'Agent', cell: (s) => s.agent },
    { label: 'Options', cell: (s) => optionsText(s.options) },
    { label: 'Last backup', cell: (s) => <span title={when(s.lastBackupMs)}>{ago(s.lastBackupMs, Date.now())}</span> },
  ],
  fields: [NAME, LOCATION, AGENT, options('connector options, and ignore=pattern,pattern and tags=a,b')],
  blank: () => ({ name: '', location: '', agent: '', options: '' }),
  valuesOf: (s) => ({ name: s.name ?? '', location: s.location ?? '', agent: s.agent ?? '', options: formatOptions(s.options) }),
  save: (v, editing) => {
    const req = { name: str(v, 'name'), location: str(v, 'location'), agent: str(v, 'agent'), options: parseOptions(String(v.options ?? '')) };
    return editing ? ctl('UpdateSource', req) : ctl('AddSource', req);
  },
  remove: (name) => ctl('RemoveSource', { name }),
  removeNote: 'Its snapshots stay in their stores.',
};

export const destinationSpec: EntitySpec<Destination> = {
  noun: 'destination',
  title: 'Destinations',
  list: async (signal) => (await ctl('ListDestinations', {}, signal)).destinations ?? [],
  nameOf: (d) => d.name ?? '',
  columns: [
    { label: 'Name', cell: (d) => d.name },
    { label: 'Location', cell: (d) => d.location },
    { label: 'Agent', cell: (d) => d.agent },
    { label: 'Options', cell: (d) => optionsText(d.options) },
  ],
  fields: [NAME, LOCATION, AGENT, options('connector options')],
  blank: () => ({ name: '', location: '', agent: '', options: '' }),
  valuesOf: (d) => ({ name: d.name ?? '', location: d.location ?? '', agent: d.agent ?? '', options: formatOptions(d.options) }),
  save: (v, editing) => {
    const req = { name: str(v, 'name'), location: str(v, 'location'), agent: str(v, 'agent'), options: parseOptions(String(v.options ?? '')) };
    return editing ? ctl('UpdateDestination', req) : ctl('AddDestination', req);
  },
  remove: (name) => ctl('RemoveDestination', { name }),
};

export const StoresPage = (): JSX.Element => <CatalogPage spec={storeSpec} />;
export const SourcesPage = (): JSX.Element => <CatalogPage spec={sourceSpec} />;
export const DestinationsPage = (): JSX.Element => <CatalogPage spec={destinationSpec} />;
