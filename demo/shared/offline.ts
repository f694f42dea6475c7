import { BehaviorSubject, type Observable } from 'rxjs';

/*
 * The service worker (demo/sw.ts, built to /sw.js) keeps the app shell so the app starts with no
 * network. Here: register it, and tell the UI once this page is served by it ("ready offline").
 */

const ready$$ = new BehaviorSubject<boolean>(false);

/** True once a service worker controls this page, i.e. a reload works offline. */
export const offlineReady$: Observable<boolean> = ready$$.asObservable();

export function isOfflineReady(): boolean {
  return ready$$.value;
}

export function registerServiceWorker(): void {
  // The Vite dev server serves modules one by one; caching them would only get in the way.
  if (!('serviceWorker' in navigator) || !import.meta.env.PROD) return;
  const sw = navigator.serviceWorker;
  const update = () => ready$$.next(sw.controller !== null);
  update();
  sw.addEventListener('controllerchange', update);
  sw.register('/sw.js').catch((err: unknown) => console.warn('service worker registration failed', err));
}
