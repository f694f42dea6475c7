import { OutpostError } from '../protocol/index.ts';
import { READY_MESSAGE, START_PROBE } from '../worker/start-signal.ts';

/*
 * Starting the dedicated worker so that a failure says so. A module worker that cannot load (a
 * 404, an HTML page served for a missing file, a wrong MIME type, a Content-Security-Policy that
 * forbids it) or that throws while starting only fires a bare `error` event on the Worker object;
 * Comlink calls to it then wait forever. So the page asks the worker whether it is up (a probe the
 * entry answers once Comlink is exposed) and rejects with `worker_failed`, naming the URL, on an
 * error event or when no answer comes within the start timeout.
 */

/**
 * Where the client's worker comes from: a URL (string or URL) of the built worker module, a
 * started Worker (used for one database; pass a function or URL to open several), or a function
 * creating one per database.
 */
export type WorkerSource = string | URL | Worker | (() => Worker);

/** The default start timeout: long enough for a cold, slow load; short enough to say what is wrong. */
export const DEFAULT_WORKER_START_MS = 10_000;

export interface StartedWorker {
  readonly worker: Worker;
  /** The worker module's URL where known (a URL source). */
  readonly url?: string;
  /** What the errors call the worker. */
  readonly label: string;
}

function isWorker(value: unknown): value is Worker {
  return typeof (globalThis as { Worker?: unknown }).Worker === 'function' && value instanceof Worker;
}

/** Creates the worker from a source (URL, Worker or factory); a URL that cannot even start is a `worker_failed` error. */
export function createWorker(source: WorkerSource, used: WeakSet<Worker>): StartedWorker {
  if (typeof source === 'string' || source instanceof URL) {
    const href = new URL(source, (globalThis as { location?: { href: string } }).location?.href).href;
    try {
      return { worker: new Worker(href, { type: 'module', name: 'outpost' }), url: href, label: `at ${href}` };
    } catch (err) {
      throw new OutpostError('worker_failed', `the Outpost worker at ${href} could not be created: ${(err as Error).message}`, { url: href });
    }
  }
  const worker = isWorker(source) ? source : source();
  if (isWorker(source)) {
    // A Worker ends with the database it served; a second database needs a new one.
    if (used.has(source)) throw new OutpostError('worker_failed', 'this Worker already served a database: pass a worker URL or a function creating a Worker to open several', {});
    used.add(source);
  }
  return { worker, label: isWorker(source) ? '(the Worker passed as AppConfig.worker)' : '(created by AppConfig.worker)' };
}

/** Asks the worker's URL what it serves, so the error can say "HTTP 404" or "text/html". */
async function diagnose(url: string): Promise<string> {
  if (!/^https?:/.test(url)) return '';
  try {
    const res = await fetch(url, { method: 'GET', cache: 'no-store', signal: AbortSignal.timeout(2_000) });
    void res.body?.cancel();
    const type = res.headers.get('content-type') ?? 'none';
    if (!res.ok) return ` (HTTP ${res.status})`;
    if (!/javascript|ecmascript/i.test(type)) return ` (served as ${type}, not JavaScript)`;
    return '';
  } catch {
    return '';
  }
}

const HINT = 'see docs/bundlers.md: the worker module must be served as JavaScript from an allowed origin';

/**
 * Resolves once the worker answers the start probe; rejects with `worker_failed` when it fires an
 * error event first or stays silent for `timeoutMs`. The worker is terminated on failure.
 */
export function waitForWorkerStart(started: StartedWorker, timeoutMs = DEFAULT_WORKER_START_MS): Promise<void> {
  const { worker, label, url } = started;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: OutpostError) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
      if (err) {
        worker.terminate();
        reject(err);
      } else resolve();
    };
    const onMessage = (ev: MessageEvent) => {
      if ((ev.data as { [READY_MESSAGE]?: unknown } | null)?.[READY_MESSAGE] === true) finish();
    };
    const onError = (ev: Event) => {
      // Keep the browser from also reporting it as uncaught: this rejection is the report.
      ev.preventDefault();
      const message = (ev as ErrorEvent).message;
      const why = message ? `threw while starting: ${message}` : 'did not load';
      void diagnose(url ?? '').then((detail) => finish(new OutpostError('worker_failed', `the Outpost worker ${label} ${why}${detail}; ${HINT}`, { ...(url ? { url } : {}) })));
    };
    const timer = setTimeout(
      () => finish(new OutpostError('worker_failed', `the Outpost worker ${label} did not answer within ${timeoutMs} ms; ${HINT}`, { ...(url ? { url } : {}), timeoutMs })),
      timeoutMs,
    );
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
    worker.postMessage({ [START_PROBE]: true });
  });
}
