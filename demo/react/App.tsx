import type { ReactNode } from 'react';
import { DatabaseProvider, useAuth, UserProvider } from 'outpost/react';
import { REGIONS } from '../shared/catalog.ts';
import { clientReset } from '../shared/resets.ts';
import { schema } from '../shared/schema.ts';
import { initialSubscriptions } from '../shared/subscriptions.ts';
import { Customers } from './Customers.tsx';
import { MyJobs, RegionBoard } from './Lists.tsx';
import { Login } from './Login.tsx';
import { NewWorkOrder } from './NewWorkOrder.tsx';
import { Notices, NoticesProvider } from './Notices.tsx';
import { ConflictNotices } from './ConflictNotices.tsx';
import { hrefOf, useRoute, type Route } from './route.ts';
import { RegionProvider, useMe, useRegion } from './session.tsx';
import { StatusBar } from './StatusBar.tsx';
import { SyncDetails } from './SyncDetails.tsx';
import { WorkOrderDetail } from './WorkOrderDetail.tsx';

/*
 * The app's frame: login until someone is logged in, then their database (opened from local
 * data at once, online or not), then the screens.
 */

export function App(): ReactNode {
  return (
    <UserProvider fallback={<Login />}>
      <SignedIn />
    </UserProvider>
  );
}

function SignedIn(): ReactNode {
  // One database per user: the key makes a switch of user open the other user's database.
  const me = useMe();
  return (
    <DatabaseProvider
      key={me.id}
      schema={schema}
      sync={{ initialSubscriptions: initialSubscriptions(me), clientReset }}
      fallback={<p className="splash">Opening your work orders…</p>}
      errorFallback={(err) => <OpenFailed error={err} />}
    >
      <RegionProvider>
        <NoticesProvider>
          <Shell />
        </NoticesProvider>
      </RegionProvider>
    </DatabaseProvider>
  );
}

function OpenFailed({ error }: { error: Error }): ReactNode {
  const { logOut } = useAuth();
  return (
    <main className="splash">
      <p>This device could not open your data: {error.message}</p>
      <button type="button" onClick={() => void logOut()}>
        Log out
      </button>
    </main>
  );
}

const TABS: readonly { route: Route; label: string }[] = [
  { route: { name: 'mine' }, label: 'My jobs' },
  { route: { name: 'region' }, label: 'Region' },
  { route: { name: 'customers' }, label: 'Customers' },
];

function Shell(): ReactNode {
  const route = useRoute();
  const me = useMe();
  const { region, setRegion } = useRegion();
  const { logOut } = useAuth();
  const regions = REGIONS.filter((r) => me.regions.includes(r.id));
  return (
    <div className="shell">
      <header className="top">
        <a className="brand" href="#/mine">
          <img src="/icons/icon-192.png" alt="" width="28" height="28" />
          <span>Field Service</span>
        </a>
        <label className="region-picker">
          <span className="visually-hidden">Region</span>
          <select data-testid="region" value={region} onChange={(e) => setRegion(e.target.value)}>
            {regions.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <span className="who" data-testid="who">
          {me.technician ? me.name : 'Guest'}
        </span>
        <button type="button" className="ghost small" onClick={() => void logOut()}>
          Log out
        </button>
      </header>
      <StatusBar />
      <Notices />
      <ConflictNotices />
      {!me.technician && <p className="hint guest">You are trying the app as a guest: create your own jobs in any region. Other people’s jobs and customers’ contact details are not shown to guests. <strong>Your jobs go away when you log out</strong>: a guest has no account to come back to.</p>}
      <main className="content">
        <Screen route={route} />
      </main>
      <SyncDetails />
      <nav className="tabs">
        {TABS.map((t) => (
          <a key={t.route.name} href={hrefOf(t.route)} aria-current={route.name === t.route.name ? 'page' : undefined}>
            {t.label}
          </a>
        ))}
        <a href="#/new" className="new" aria-current={route.name === 'new' ? 'page' : undefined}>
          + New job
        </a>
      </nav>
    </div>
  );
}

function Screen({ route }: { route: Route }): ReactNode {
  switch (route.name) {
    case 'mine':
      return <MyJobs />;
    case 'region':
      return <RegionBoard />;
    case 'customers':
      return <Customers />;
    case 'new':
      return <NewWorkOrder />;
    case 'workOrder':
      return <WorkOrderDetail id={route.id} />;
  }
}
