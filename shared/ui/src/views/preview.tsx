/**
 * A file's page (/stores/<store>/snapshots/<id>/file/<path>): its metadata, its content
 * (file-content.tsx: text, image or hex), a download button (/download/file, an attachment),
 * and links to its history across snapshots and to the snapshots that hold the same content
 * (Locate by digest). A path naming a folder goes to the folder's page.
 */
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { call } from '../api/connect.js';
import { STORE, type ListTreeResponse, type TreeEntry } from '../api/types.js';
import { Breadcrumbs } from '../components/breadcrumbs.js';
import { Await } from '../components/status.js';
import { useApi } from '../components/use-api.js';
import { bytes, dateTime, modeString, nsToMs } from '../format.js';
import { baseName, downloadFileUrl, historyUrl, searchUrl, treeUrl } from '../paths.js';
import { Link, navigate } from '../router.js';
import type { PageProps } from '../router-types.js';
import { mayOperate } from '../may-operate.js';
import { FileContent } from './file-content.js';
import { StoreFrame } from './store-frame.js';

function Meta({ e }: { e: TreeEntry }): JSX.Element {
  return (
    <dl class="meta">
      <div>
        <dt>Size</dt>
        <dd>{bytes(e.size)}</dd>
      </div>
      <div>
        <dt>Mode</dt>
        <dd class="mono">{modeString(e.type, e.mode)}</dd>
      </div>
      <div>
        <dt>Owner</dt>
        <dd>
          {e.user || String(e.uid ?? 0)}:{e.group || String(e.gid ?? 0)}
        </dd>
      </div>
      <div>
        <dt>Modified</dt>
        <dd>{dateTime(nsToMs(e.mtimeNs))}</dd>
      </div>
      {e.digest ? (
        <div>
          <dt>Digest</dt>
          <dd class="mono wrap">{e.digest}</dd>
        </div>
      ) : null}
      {e.type === 'symlink' ? (
        <div>
          <dt>Target</dt>
          <dd class="wrap">{e.target ?? ''}</dd>
        </div>
      ) : null}
    </dl>
  );
}

export function PreviewPage(props: PageProps): JSX.Element {
  const store = props.params.store ?? '';
  const snapshot = props.params.snapshot ?? '';
  const operate = mayOperate(props.session);
  const path = props.params.path ?? '';
  const name = baseName(path);
  const st = useApi((signal) => call<ListTreeResponse>(STORE, 'ListTree', { store, snapshot, path, limit: 1 }, signal), [store, snapshot, path]);
  const isDir = st.state === 'done' && st.data.entry?.type === 'dir';
  useEffect(() => {
    if (isDir) navigate(treeUrl(store, snapshot, path), { replace: true });
  }, [isDir, store, snapshot, path]);
  return (
    <StoreFrame props={props} title={name || 'File'}>
      <Breadcrumbs store={store} snapshot={snapshot} path={path} />
      <Await st={st} what="the file">
        {(res) => {
          const e = res.entry ?? {};
          return (
            <>
              <div class="toolbar">
                {operate ? (
                  <a class="button" href={downloadFileUrl(store, snapshot, path)} download={name}>
                    Download
                  </a>
                ) : null}
                <Link href={historyUrl(store, path)}>History of this path</Link>
                {e.digest ? <Link href={searchUrl(store, { q: name, mode: 'substring', digest: e.digest })}>Snapshots holding this content</Link> : null}
              </div>
              <Meta e={e} />
              {e.type === 'file' && !operate ? <p class="muted">Your role may list files but not read their contents.</p> : null}
              {e.type === 'file' && operate ? <FileContent store={store} snapshot={res.snapshot || snapshot} path={path} name={name} size={e.size ?? 0} /> : null}
            </>
          );
        }}
      </Await>
    </StoreFrame>
  );
}
