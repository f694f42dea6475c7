/// <reference types="vite/client" />
import { App, Credentials, ObjectId, type Database, type User } from '../../src/client/index.ts';
import { e2eSchema } from './schema.ts';
// The built worker module's URL, as an app that serves the worker file itself would pass it.
import workerUrl from '../../src/worker/entry.ts?worker&url';

/*
 * The browser tests' page: the real client, its dedicated worker (Comlink) and IndexedDB. The
 * tests drive it through `window.e2e`; the list of task titles is also rendered, so a screenshot
 * of a failure shows the state.
 */

interface E2E {
  /** Library exports the tests use inside page.evaluate. */
  lib: { ObjectId: typeof ObjectId };
  app: App;
  user: User | null;
  db: Database | null;
  titles: string[];
  emissions: number;
  open(): Promise<{ userId: string; dbName: string }>;
  addTask(title: string, priority?: number): Promise<string>;
  rename(id: string, title: string): Promise<void>;
  query(priority: number): Promise<string[]>;
  isLeader(): boolean;
  connection(): string;
  progress(): unknown;
  waitForUpload(): Promise<void>;
  waitForDownload(): Promise<void>;
  pauseSync(): Promise<void>;
  resumeSync(): Promise<void>;
  /** Subscribes to every task (without waiting for the bootstrap). */
  subscribeAll(): Promise<void>;
  waitForSubscriptions(): Promise<void>;
  subscriptionState(): string;
  /** Bootstrap downloads staged in IndexedDB, not applied yet. */
  stagedRows(): Promise<number>;
  openWithWorker(worker: 'missing' | 'throws' | 'url'): Promise<{ ms: number; name?: string; code?: string; message: string; url?: unknown; titles?: string[] }>;
}

const list = document.getElementById('tasks')!;
const status = document.getElementById('status')!;

const e2e: E2E = {
  lib: { ObjectId },
  app: new App({ baseUrl: location.origin, appId: 'e2e' }),
  user: null,
  db: null,
  titles: [],
  emissions: 0,
  async open() {
    this.user = this.app.currentUser ?? (await this.app.logIn(Credentials.anonymous()));
    this.db = await this.app.open({ schema: e2eSchema, sync: { user: this.user, timings: { initialBackoffMs: 100, maxBackoffMs: 2000 } } });
    this.db.objects('Task').sorted('title').observe().subscribe((items) => {
      this.titles = items.map((t) => t.title as string);
      this.emissions++;
      list.replaceChildren(...this.titles.map((t) => Object.assign(document.createElement('li'), { textContent: t })));
    });
    this.db.sync.connectionState$.subscribe((s) => (status.textContent = s));
    return { userId: this.user.id, dbName: this.db.name };
  },
  async addTask(title, priority = 0) {
    const t = await this.db!.write((tx) => tx.create('Task', { _id: new ObjectId(), title, priority }));
    return (t._id as ObjectId).toHexString();
  },
  async rename(id, title) {
    await this.db!.write((tx) => tx.update('Task', new ObjectId(id), { title }));
  },
  async query(priority) {
    return (await this.db!.objects('Task').filtered('priority == $0', priority).sorted('title').toArray()).map((t) => t.title as string);
  },
  isLeader() {
    return this.db!.sync.isLeader;
  },
  connection() {
    return this.db!.sync.connectionState;
  },
  progress() {
    return this.db!.sync.progress;
  },
  waitForUpload() {
    return this.db!.sync.waitForUpload({ timeoutMs: 10_000 });
  },
  waitForDownload() {
    return this.db!.sync.waitForDownload({ timeoutMs: 10_000 });
  },
  pauseSync() {
    return this.db!.sync.pause();
  },
  resumeSync() {
    return this.db!.sync.resume();
  },
  async subscribeAll() {
    await this.db!.subscriptions.update((m) => m.add('Task', 'priority >= $0', [-1_000_000], { name: 'all' }), { wait: false });
  },
  waitForSubscriptions() {
    return this.db!.subscriptions.waitForSynchronization(20_000);
  },
  subscriptionState() {
    return this.db!.subscriptions.state;
  },
  stagedRows() {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open(this.db!.name);
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const idb = open.result;
        const count = idb.transaction('batches').objectStore('batches').count();
        count.onsuccess = () => {
          idb.close();
          resolve(count.result);
        };
        count.onerror = () => reject(count.error);
      };
    });
  },
  // A worker that cannot load (a URL that answers 404) or that throws while starting: open must
  // reject with a typed error instead of waiting forever.
  async openWithWorker(kind) {
    const worker =
      kind === 'url' ? workerUrl : kind === 'missing' ? '/no-such-dir/outpost-worker.js' : URL.createObjectURL(new Blob(['throw new Error("broken build")'], { type: 'text/javascript' }));
    const app = new App({ baseUrl: location.origin, appId: `e2e-${kind}`, worker });
    const start = performance.now();
    try {
      const db = await app.open({ schema: e2eSchema, name: `worker-${kind}` });
      await db.write((tx) => tx.create('Task', { _id: new ObjectId(), title: 'via url', priority: 0 }));
      const titles = (await db.objects('Task').toArray()).map((t) => t.title as string);
      await db.close();
      return { ms: performance.now() - start, message: 'opened', titles };
    } catch (err) {
      const e = err as { name?: string; code?: string; message: string; details?: { url?: unknown } };
      return { ms: performance.now() - start, name: e.name, code: e.code, message: e.message, url: e.details?.url };
    }
  },
};

(window as unknown as { e2e: E2E }).e2e = e2e;
status.textContent = 'ready';
