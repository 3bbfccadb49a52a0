/**
 * The page shown without a session where no login page applies: the local viewer's token is
 * only in the URL `coffer at <store> ui` printed, so the page says to open that URL (it sets
 * the cookie); when the home is not known, it also links the console's login page.
 */
import type { JSX } from 'preact';
import type { Home } from '../router-types.js';

export function NoSession({ home }: { home?: Home }): JSX.Element {
  return (
    <section class="nosession" aria-labelledby="ns-title">
      <h1 id="ns-title">Not signed in</h1>
      <p>
        This viewer needs the address that <code>coffer at &lt;store&gt; ui</code> printed when it started: open that
        URL (it carries a one-time token) in this browser.
      </p>
      {home === 'local' ? null : (
        <p>
          For the fleet console, <a href="/login">log in</a>.
        </p>
      )}
    </section>
  );
}
