import * as Comlink from 'comlink';
import { WorkerHost } from './host.ts';

/*
 * The dedicated worker's entry point: one WorkerHost per worker, exposed to the page through
 * Comlink. The browser's IndexedDB, Web Locks, BroadcastChannel and WebSocket are used as they are.
 */
Comlink.expose(new WorkerHost());
