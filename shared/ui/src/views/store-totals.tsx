/**
 * The store's totals (GetStoreInfo): snapshots, size on disk, logical size, unique bytes,
 * dedup and compression ratios, and its last check with the result and age, as a
 * description list.
 */
import type { JSX } from 'preact';
import type { StoreInfo } from '../api/types.js';
import { age, bytes, count, dateTime, ratio } from '../format.js';
import { Link } from '../router.js';
import { checkUrl } from '../paths.js';

export function LastCheck({ check, store }: { check: StoreInfo['lastCheck']; store: string }): JSX.Element {
  if (!check?.timeMs) {
    return (
      <span>
        never checked — <Link href={checkUrl(store)}>verify now</Link>
      </span>
    );
  }
  return (
    <span>
      <span class={check.ok ? 'ok' : 'bad'}>{check.ok ? 'OK' : `${count(check.issues)} issue(s)`}</span> ({check.mode ?? 'fast'},{' '}
      <time dateTime={new Date(check.timeMs).toISOString()} title={dateTime(check.timeMs)}>
        {age(check.timeMs)}
      </time>
      )
    </span>
  );
}

export function StoreTotals({ info, store }: { info: StoreInfo; store: string }): JSX.Element {
  const items: [string, JSX.Element | string][] = [
    ['Snapshots', count(info.snapshots)],
    ['Size on disk', bytes(info.sizeOnDisk)],
    ['Logical size', bytes(info.logicalBytes)],
    ['Unique data', bytes(info.uniqueBytes)],
    ['Dedup ratio', ratio(info.dedupRatio)],
    ['Compression ratio', ratio(info.compressionRatio)],
    ['Last check', <LastCheck check={info.lastCheck} store={store} />],
    ['Location', <span class="wrap">{info.location ?? ''}</span>],
  ];
  return (
    <section class="totals" aria-label="Store totals">
      <dl>
        {items.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
