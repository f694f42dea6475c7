import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useDatabase, useObservable, useUser } from 'outpost/react';
import type { SubscriptionState } from 'outpost';
import { personOf, rememberedRegion, rememberRegion, type Person } from '../shared/session.ts';
import { followRegion } from '../shared/subscriptions.ts';

/*
 * The person using the app and the region they are looking at. The region decides two
 * flexible-sync subscriptions (shared/subscriptions.ts): the region's work orders and customers.
 */

export function useMe(): Person {
  const user = useUser();
  return useMemo(() => personOf(user), [user]);
}

interface RegionState {
  readonly region: string;
  setRegion(region: string): void;
  /** The state of the latest subscription set: `complete` once the region's data is here. */
  readonly subscriptionState: SubscriptionState;
}

const RegionContext = createContext<RegionState | null>(null);

export function RegionProvider({ children }: { children: ReactNode }): ReactNode {
  const db = useDatabase();
  const me = useMe();
  const [region, setRegionState] = useState(() => rememberedRegion(me));
  const subscriptionState = useObservable(() => db.subscriptions.state$, [db], db.subscriptions.state);
  useEffect(() => followRegion(db, region), [db, region]);
  const value = useMemo<RegionState>(
    () => ({
      region,
      subscriptionState,
      setRegion(next) {
        rememberRegion(me, next);
        setRegionState(next);
      },
    }),
    [region, subscriptionState, me],
  );
  return <RegionContext.Provider value={value}>{children}</RegionContext.Provider>;
}

export function useRegion(): RegionState {
  const state = useContext(RegionContext);
  if (!state) throw new Error('useRegion must be used inside <RegionProvider>');
  return state;
}
