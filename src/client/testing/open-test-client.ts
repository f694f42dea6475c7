import WebSocket from 'ws';
import type { ObjectSchemaInput } from '../../model/index.ts';
import type { IndexedDbEnv } from '../../worker/store.ts';
import type { LockManagerLike } from '../../worker/locks.ts';
import type { ChannelFactory } from '../../worker/channel.ts';
import { headerSockets } from '../../worker/transport.ts';
import { App, type SyncConfig } from '../app.ts';
import { Credentials } from '../credentials.ts';
import type { Database } from '../database.ts';
import { MemoryKeyValueStore, type KeyValueStore } from '../kv.ts';
import type { User } from '../user.ts';
import { freshIndexedDb, uniqueAppId } from './fixtures.ts';

/*
 * A Node client against a server URL, in a few lines: fake-indexeddb, the worker in-process, the
 * `ws` WebSocket with an Authorization header. Each call is one "device" (its own IndexedDB unless
 * one is passed); pass the same `indexedDB` and `storage` to reopen a device after a "reload".
 *
 *   const a = await openTestClient({ baseUrl, schema });
 *   const b = await openTestClient({ baseUrl, schema, credentials: Credentials.emailPassword(…) });
 *   await a.db.write(tx => tx.create('Task', {...}));
 *   await a.db.sync.waitForUpload(); await b.db.sync.waitForDownload();
 */

export interface TestClientOptions {
  readonly baseUrl: string;
  readonly schema: readonly ObjectSchemaInput[];
  readonly appId?: string;
  readonly indexedDB?: IndexedDbEnv;
  readonly storage?: KeyValueStore;
  /** Default: a new anonymous user. */
  readonly credentials?: Credentials;
  /** Log in as this user instead (an App built on the same storage). */
  readonly user?: User;
  readonly sync?: Omit<SyncConfig, 'user'>;
  /** Several "tabs" of one device share one lock manager and one channel space. */
  readonly locks?: LockManagerLike;
  readonly channels?: ChannelFactory;
}

export interface TestClient {
  readonly app: App;
  readonly user: User;
  readonly db: Database;
  readonly indexedDB: IndexedDbEnv;
  readonly storage: KeyValueStore;
  close(): Promise<void>;
}

export async function openTestClient(options: TestClientOptions): Promise<TestClient> {
  const indexedDB = options.indexedDB ?? freshIndexedDb();
  const storage = options.storage ?? new MemoryKeyValueStore();
  const app = new App({
    baseUrl: options.baseUrl,
    appId: options.appId ?? uniqueAppId('client'),
    storage,
    ...(options.locks ? { locks: options.locks } : {}),
    inProcess: {
      indexedDB,
      sockets: headerSockets(WebSocket as never),
      ...(options.locks ? { locks: options.locks } : {}),
      ...(options.channels ? { channels: options.channels } : {}),
    },
  });
  const user = options.user ?? app.currentUser ?? (await app.logIn(options.credentials ?? Credentials.anonymous(false)));
  const db = await app.open({ schema: options.schema, sync: { ...(options.sync ?? {}), user } });
  return { app, user, db, indexedDB, storage, close: () => db.close() };
}
