/**
 * Whether each site with a link of its own (a NATS leaf node) can be reached, as the
 * transport last found it: reachable, or unreachable since when and why. Sites never
 * probed are unknown (`get` is undefined) and count as reachable. The console, `ctl
 * agents` and /metrics read it; the NATS transport writes it. Only transitions change
 * `sinceMs`, so "unreachable since" is the time of the first failed probe.
 */

/** A site's last known reachability. */
export interface SiteState {
  readonly site: string;
  readonly reachable: boolean;
  /** When it became what it is (ms since the epoch). */
  readonly sinceMs: number;
  /** The last probe's error while unreachable. */
  readonly error: string;
}

export class SiteStates {
  private readonly states = new Map<string, SiteState>();

  /** Records a probe's outcome; says whether the state changed. */
  set(site: string, reachable: boolean, nowMs: number, error = ''): boolean {
    const cur = this.states.get(site);
    const changed = cur === undefined || cur.reachable !== reachable;
    this.states.set(site, { site, reachable, sinceMs: changed ? nowMs : cur.sinceMs, error: reachable ? '' : error });
    return changed;
  }

  get(site: string): SiteState | undefined {
    return this.states.get(site);
  }

  /** Every site probed so far, by name. */
  list(): SiteState[] {
    return [...this.states.values()].sort((a, b) => a.site.localeCompare(b.site));
  }
}
