import { useSyncExternalStore } from 'react';

/*
 * A hash router small enough to read in one go: `#/mine`, `#/region`, `#/customers`, `#/new`,
 * `#/wo/<id>`. The hash keeps every screen one static page, so the service worker only needs
 * index.html, and a reload (offline too) comes back to the same screen.
 */

export type Route =
  | { readonly name: 'mine' }
  | { readonly name: 'region' }
  | { readonly name: 'customers' }
  | { readonly name: 'new' }
  | { readonly name: 'workOrder'; readonly id: string };

export function parseRoute(hash: string): Route {
  const [, first, second] = hash.replace(/^#/, '').split('/');
  switch (first) {
    case 'region':
    case 'customers':
    case 'new':
      return { name: first };
    case 'wo':
      return second && /^[0-9a-f]{24}$/.test(second) ? { name: 'workOrder', id: second } : { name: 'mine' };
    default:
      return { name: 'mine' };
  }
}

export function hrefOf(route: Route): string {
  return route.name === 'workOrder' ? `#/wo/${route.id}` : `#/${route.name}`;
}

export function navigate(route: Route): void {
  location.hash = hrefOf(route);
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function useRoute(): Route {
  const hash = useSyncExternalStore(subscribe, () => location.hash);
  return parseRoute(hash);
}
