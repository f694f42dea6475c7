/*
 * The service worker (built to /sw.js): keeps the app shell — both pages, the bundles (the Outpost
 * worker's too), the stylesheet, the manifest and the icons — so the app starts with no network
 * after the first visit. Data never goes through here: it lives in IndexedDB and syncs over the
 * WebSocket, which service workers do not see; /api/ requests pass through untouched.
 *
 * The file list is written in at build time (demo/vite.config.ts replaces __PRECACHE__). A new
 * build has another list and version, so the browser installs the new worker, which fills a new
 * cache and drops the old one.
 */
export {};

declare const __PRECACHE__: { readonly version: string; readonly files: readonly string[] };

// The service-worker types live in TypeScript's "webworker" lib, which cannot share a program
// with the DOM lib the rest of the project uses: the few members used here, spelled out.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface ServiceWorkerScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

const sw = self as unknown as ServiceWorkerScope;
const { version, files } = __PRECACHE__;
const PREFIX = 'field-service-shell-';
const CACHE = PREFIX + version;

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `reload`: fetch from the server, not from the HTTP cache, so the shell is this build's.
      await cache.addAll(files.map((f) => new Request(f, { cache: 'reload' })));
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      // Take over the page that registered us, so it works offline without a reload first.
      await sw.clients.claim();
    })(),
  );
});

/** Pages are served from the cache first: the app must open at once in a basement, not after a timeout. */
async function page(request: Request, path: string): Promise<Response> {
  const cache = await caches.open(CACHE);
  const file = path === '/vue.html' || path === '/vue' ? '/vue.html' : '/index.html';
  return (await cache.match(file)) ?? fetch(request);
}

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  // The operator's dashboard (/admin) is its own app, never served from this cache.
  if (url.origin !== sw.location.origin || url.pathname.startsWith('/api/') || url.pathname === '/metrics' || url.pathname === '/admin' || url.pathname.startsWith('/admin/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(page(request, url.pathname));
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
});
