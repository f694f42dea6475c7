/*
 * The start handshake between the page and its dedicated worker (src/client/worker-start.ts): the
 * page posts a probe; the entry answers once Comlink is exposed. Neither message has Comlink's
 * `id` or `type`, so Comlink ignores both.
 */
export const START_PROBE = 'outpostStartProbe';
export const READY_MESSAGE = 'outpostWorkerReady';
