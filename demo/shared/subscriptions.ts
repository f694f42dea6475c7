import type { Database, MutableSubscriptionSet } from 'outpost';
import { rememberedRegion, type Person } from './session.ts';

/*
 * The flexible-sync subscriptions of a person's device: their own work orders, and the work
 * orders and customers of the region they are looking at. Named, so switching region replaces
 * the region's two queries (the new region's objects arrive, the old region's leave the device;
 * leaving the view is not a deletion anywhere else).
 */

export function initialSubscriptions(me: Person): (subs: MutableSubscriptionSet) => void {
  return (subs) => {
    subs.add('WorkOrder', 'assigneeId == $0', [me.id], { name: 'mine' });
    addRegion(subs, rememberedRegion(me));
  };
}

function addRegion(subs: MutableSubscriptionSet, region: string): void {
  subs.add('WorkOrder', 'region == $0', [region], { name: 'region-orders' });
  subs.add('Customer', 'region == $0', [region], { name: 'region-customers' });
}

/** Points the region subscriptions at `region` unless they already are (a reload must not resubscribe). */
export function followRegion(db: Database, region: string): void {
  const on = (name: string) => db.subscriptions.findByName(name)?.args[0] === region;
  if (on('region-orders') && on('region-customers')) return;
  // wait: false: stored now, sent when connected, so switching works offline too (with what is local).
  db.subscriptions.update((m) => addRegion(m, region), { wait: false }).catch((err: Error) => console.warn('subscription update failed', err));
}
