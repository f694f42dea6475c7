import { useMemo, useRef, useSyncExternalStore, type DependencyList } from 'react';
import type { Observable } from 'rxjs';
import { sameContent, typeOfSnapshot } from '../client/index.ts';

/*
 * RxJS → React: an observable's latest value through useSyncExternalStore. The store is made once
 * per dependency list; a shared, replaying observable (every Outpost live query) delivers its
 * current value synchronously on subscribe, so the first render after subscribing is current.
 */
export function useObservable<T>(factory: () => Observable<T>, deps: DependencyList, initial: T): T {
  const store = useMemo(() => {
    let value = initial;
    let error: unknown;
    const obs = factory();
    return {
      subscribe(onChange: () => void) {
        const s = obs.subscribe({
          next: (v) => {
            value = v;
            onChange();
          },
          error: (e: unknown) => {
            error = e;
            onChange();
          },
        });
        return () => s.unsubscribe();
      },
      getSnapshot: () => {
        if (error !== undefined) throw error;
        return value;
      },
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/**
 * Keeps identities stable across re-subscriptions: an object whose content did not change is the
 * previous object, and a list whose items are all the previous ones is the previous list.
 */
export function useStableList<T>(items: readonly T[], keyOf: (item: T) => string): readonly T[] {
  const prev = useRef<{ items: readonly T[]; byKey: Map<string, T> }>({ items: [], byKey: new Map() });
  return useMemo(() => {
    const before = prev.current;
    if (items === before.items) return items;
    let same = items.length === before.items.length;
    const byKey = new Map<string, T>();
    const out = items.map((item, i) => {
      const k = keyOf(item);
      const old = before.byKey.get(k);
      const kept = old !== undefined && (old === item || sameContent(old, item)) ? old : item;
      if (kept !== before.items[i]) same = false;
      byKey.set(k, kept);
      return kept;
    });
    const result = same ? before.items : Object.freeze(out);
    prev.current = { items: result, byKey };
    return result;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [items]);
}

export function snapshotKey(item: unknown, primaryKey: string | undefined): string {
  const type = typeOfSnapshot(item) ?? '';
  const pk = primaryKey ? (item as Record<string, unknown>)[primaryKey] : undefined;
  return `${type}\u0000${pk === undefined ? '' : String(pk)}`;
}
