import type { ReactNode } from 'react';
import { useDatabase, useObservable, useQuery, useSyncState } from 'outpost/react';
import type { SubscriptionSetInfo } from 'outpost';

/*
 * What this device holds and syncs, for the curious (and for the end-to-end tests): counts of
 * local objects, the active subscriptions and the cursors.
 */

const NO_SETS: readonly SubscriptionSetInfo[] = [];

export function SyncDetails(): ReactNode {
  const db = useDatabase();
  const { progress, isLeader } = useSyncState();
  const workOrders = useQuery('WorkOrder');
  const customers = useQuery('Customer');
  const sets = useObservable(() => db.subscriptions.sets$, [db], NO_SETS);
  const latest = sets[sets.length - 1];
  return (
    <details className="sync-details">
      <summary>Sync details</summary>
      <dl>
        <dt>On this device</dt>
        <dd>
          <span data-testid="local-work-orders">{workOrders.length}</span> work orders, <span data-testid="local-customers">{customers.length}</span> customers
        </dd>
        <dt>Subscriptions</dt>
        <dd>
          {latest ? `set ${latest.version}, ${latest.state}` : 'none'}
          <ul>
            {db.subscriptions.list.map((s) => (
              <li key={s.name ?? `${s.objectType}:${s.queryString}`}>
                <code>
                  {s.objectType}: {s.queryString} {s.args.length > 0 ? `[${s.args.map(String).join(', ')}]` : ''}
                </code>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Versions</dt>
        <dd>
          local {progress.lastClientVersion} (acknowledged {progress.acknowledgedClientVersion}), server {progress.serverVersion} of {progress.latestServerVersion}
        </dd>
        <dt>Connection</dt>
        <dd>{isLeader ? 'this tab holds the connection' : 'another tab holds the connection'}</dd>
      </dl>
    </details>
  );
}
