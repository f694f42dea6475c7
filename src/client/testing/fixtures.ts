import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import type { ObjectSchemaInput } from '../../model/index.ts';
import { App } from '../app.ts';
import { MemoryKeyValueStore } from '../kv.ts';
import type { InProcessOptions } from '../connection.ts';

/*
 * Shared fixtures for the client's tests: a work-order schema with every kind of property, and a
 * local-only database in-process on a fresh fake IndexedDB.
 */

export const workOrderSchema: ObjectSchemaInput[] = [
  {
    name: 'WorkOrder',
    primaryKey: '_id',
    properties: {
      _id: 'objectId',
      title: 'string',
      status: { type: 'string', indexed: true, default: 'open' },
      priority: { type: 'int', indexed: true, default: 0 },
      dueAt: { type: 'date', optional: true, indexed: true },
      visits: 'counter',
      tags: 'string<>',
      notes: 'string[]',
      steps: 'Step[]',
      attrs: 'string{}',
      customer: 'Customer',
      address: 'Address',
      cost: 'decimal?',
      assignee: { type: 'uuid', optional: true, indexed: true },
    },
  },
  { name: 'Step', embedded: true, properties: { title: 'string', done: 'bool' } },
  { name: 'Address', embedded: true, properties: { city: 'string', zip: 'string?' } },
  { name: 'Customer', primaryKey: '_id', properties: { _id: 'string', name: { type: 'string', indexed: true }, tier: 'int' } },
];

export function freshIndexedDb(): NonNullable<InProcessOptions['indexedDB']> {
  return { indexedDB: new IDBFactory(), IDBKeyRange };
}

let seq = 0;
export function uniqueAppId(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${++seq}-${Math.random().toString(36).slice(2, 7)}`;
}

export async function openLocal(options: { indexedDB?: InProcessOptions['indexedDB']; schema?: ObjectSchemaInput[]; appId?: string } = {}) {
  const indexedDB = options.indexedDB ?? freshIndexedDb();
  const app = new App({ baseUrl: 'http://127.0.0.1:1', appId: options.appId ?? uniqueAppId(), inProcess: { indexedDB }, storage: new MemoryKeyValueStore() });
  const db = await app.open({ schema: options.schema ?? workOrderSchema });
  return { app, db, indexedDB };
}

/** The next value an observable emits that satisfies `pred`. */
export function nextMatching<T>(obs: import('rxjs').Observable<T>, pred: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error('timed out waiting for a matching emission'));
    }, timeoutMs);
    const sub = obs.subscribe({
      next: (v) => {
        if (!pred(v)) return;
        clearTimeout(timer);
        queueMicrotask(() => sub.unsubscribe());
        resolve(v);
      },
      error: (e) => {
        clearTimeout(timer);
        reject(e);
      },
    });
  });
}

/** A FetchLike over node:http (for environments like happy-dom whose fetch applies browser rules). */
export async function nodeFetch(input: string, init: { method: string; headers: Record<string, string>; body?: string }) {
  const { request } = await import('node:http');
  return new Promise<{ ok: boolean; status: number; text(): Promise<string> }>((resolve, reject) => {
    const req = request(input, { method: init.method, headers: init.headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ ok: (res.statusCode ?? 0) < 400, status: res.statusCode ?? 0, text: async () => data }));
    });
    req.on('error', reject);
    if (init.body !== undefined) req.write(init.body);
    req.end();
  });
}
