/**
 * `consolePage(Page)`: a console page as the router mounts it, with the shell's API client
 * bound for api.ts and the session provided for session.ts before the page renders.
 */
import type { ComponentType, JSX } from 'preact';
import type { PageProps } from '../router-types.js';
import { bindApp } from './api.js';
import { SessionContext } from './session.js';

export function consolePage(Page: ComponentType<PageProps>): ComponentType<PageProps> {
  const wrapped = (props: PageProps): JSX.Element => {
    bindApp(props.app);
    return (
      <SessionContext.Provider value={props.session}>
        <Page {...props} />
      </SessionContext.Provider>
    );
  };
  wrapped.displayName = `Console(${Page.displayName ?? Page.name})`;
  return wrapped;
}
