import * as Comlink from 'comlink';
import type { WorkerApi } from '../worker-api/api.ts';
import type { HostOptions } from '../worker/host.ts';
import { createWorker, waitForWorkerStart, type StartedWorker, type WorkerSource } from './worker-start.ts';

/*
 * How the page reaches its worker. In a browser: a dedicated Web Worker per database, called
 * through Comlink (callbacks passed as Comlink proxies). In Node and in tests: the same WorkerHost,
 * in-process, called directly. The page code above this file cannot tell the difference.
 */

export interface WorkerConnection {
  readonly api: WorkerApi;
  /** Marks a callback object to be called back across the boundary. */
  proxy<T extends object>(obj: T): T;
  terminate(): void;
  readonly inProcess: boolean;
}

/** Options of the in-process worker (Node, tests): IndexedDB, sockets, locks and channels to use. */
export type InProcessOptions = HostOptions;

export interface ConnectOptions {
  /** Where the dedicated worker comes from (browser). Default: the package's worker module, which bundlers emit. */
  readonly worker?: WorkerSource;
  /** Run the worker in this thread with these options (the default where there is no Worker). */
  readonly inProcess?: InProcessOptions | boolean;
  /** How long the worker may take to load and start before `worker_failed` (default 10 s). */
  readonly workerStartTimeoutMs?: number;
  /** Workers passed as instances, so one is not given to two databases. */
  readonly usedWorkers?: WeakSet<Worker>;
}

/*
 * The default worker, written as the one pattern Vite, webpack 5 and Rollup's worker plugins all
 * recognise and bundle: `new Worker(new URL(<literal>, import.meta.url), { type: 'module' })`.
 * The published build (scripts/build.ts) points the literal at dist/worker.js, a self-contained
 * module; here in the sources it is the TypeScript entry.
 */
function defaultWorker(): StartedWorker {
  return { worker: new Worker(new URL('../worker/entry.ts', import.meta.url), { type: 'module', name: 'outpost' }), label: "(outpost's bundled worker module, outpost/dist/worker.js)" };
}

export async function connectWorker(options: ConnectOptions): Promise<WorkerConnection> {
  const hasWorker = typeof (globalThis as { Worker?: unknown }).Worker === 'function';
  if (options.inProcess || (!hasWorker && !options.worker)) {
    const { WorkerHost } = await import('../worker/host.ts');
    const host = new WorkerHost(typeof options.inProcess === 'object' ? options.inProcess : {});
    return {
      api: host,
      proxy: (obj) => obj,
      terminate: () => void host.close(),
      inProcess: true,
    };
  }
  const started = options.worker ? createWorker(options.worker, options.usedWorkers ?? new WeakSet()) : defaultWorker();
  await waitForWorkerStart(started, options.workerStartTimeoutMs);
  const worker = started.worker;
  const remote = Comlink.wrap<WorkerApi>(worker);
  return {
    api: remote as unknown as WorkerApi,
    proxy: (obj) => Comlink.proxy(obj),
    terminate: () => {
      remote[Comlink.releaseProxy]();
      worker.terminate();
    },
    inProcess: false,
  };
}
