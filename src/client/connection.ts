import * as Comlink from 'comlink';
import type { WorkerApi } from '../worker/api.ts';
import type { HostOptions } from '../worker/host.ts';

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
  /** Create the dedicated worker (browser). Default: the bundled `src/worker/entry.ts`. */
  readonly worker?: () => Worker;
  /** Run the worker in this thread with these options (the default where there is no Worker). */
  readonly inProcess?: InProcessOptions | boolean;
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
  const worker = options.worker ? options.worker() : new Worker(new URL('../worker/entry.ts', import.meta.url), { type: 'module', name: 'outpost' });
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
