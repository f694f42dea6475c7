import * as Comlink from 'comlink';
import { WorkerHost } from './host.ts';
import { READY_MESSAGE, START_PROBE } from './start-signal.ts';

/*
 * The dedicated worker's entry point: one WorkerHost per worker, exposed to the page through
 * Comlink. The browser's IndexedDB, Web Locks, BroadcastChannel and WebSocket are used as they are.
 * Once exposed it answers the page's start probe, so the page knows the worker loaded and started
 * (a failed load only shows as a bare error event).
 */
Comlink.expose(new WorkerHost());
const scope = globalThis as unknown as { addEventListener(type: 'message', l: (ev: MessageEvent) => void): void; postMessage(message: unknown): void };
scope.addEventListener('message', (ev) => {
  if ((ev.data as Record<string, unknown> | null)?.[START_PROBE] === true) scope.postMessage({ [READY_MESSAGE]: true });
});
