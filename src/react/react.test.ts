// @vitest-environment happy-dom
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import { createElement as h, useRef } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../client/app.ts';
import { Credentials } from '../client/credentials.ts';
import type { Database } from '../client/database.ts';
import { MemoryKeyValueStore } from '../client/kv.ts';
import WebSocket from 'ws';
import { headerSockets } from '../worker/transport.ts';
import { freshIndexedDb, nodeFetch, openLocal, uniqueAppId, workOrderSchema } from '../client/testing/fixtures.ts';
import { AppProvider, DatabaseProvider, UserProvider, useAuth, useDatabase, useObject, useQuery, useSyncState, useUser } from './index.ts';

// React's act() environment flag for a non-jsdom test setup.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

afterEach(() => cleanup());

function withDb(db: Database, app: App, child: React.ReactNode) {
  return h(AppProvider, { app }, h(DatabaseProvider, { schema: workOrderSchema, database: db }, child));
}

describe('React bindings', () => {
  it('useQuery renders live results and keeps unchanged objects identical', async () => {
    const { app, db } = await openLocal();
    await db.write((tx) => {
      tx.create('Customer', { _id: 'a', name: 'Ada', tier: 1 });
      tx.create('Customer', { _id: 'b', name: 'Bob', tier: 2 });
    });
    const seen: unknown[][] = [];
    function List() {
      const items = useQuery<{ _id: string; name: string; tier: number }>('Customer', (q) => q.sorted('name'), []);
      seen.push([...items]);
      return h('ul', null, ...items.map((c) => h('li', { key: c._id }, `${c.name}:${c.tier}`)));
    }
    render(withDb(db, app, h(List)));
    await screen.findByText('Bob:2');
    await act(() => db.write((tx) => tx.update('Customer', 'b', { tier: 5 })));
    await screen.findByText('Bob:5');
    const last = seen.at(-1)!;
    const earlier = seen.find((s) => s.length === 2)!;
    expect(last[0]).toBe(earlier[0]); // Ada did not change
    expect(last[1]).not.toBe(earlier[1]);
    await act(() => db.write((tx) => tx.create('Customer', { _id: 'c', name: 'Cy', tier: 0 })));
    await screen.findByText('Cy:0');
    await db.close();
  });

  it('useObject follows one object; useSyncState reports a local database', async () => {
    const { app, db } = await openLocal();
    await db.write((tx) => tx.create('Customer', { _id: 'x', name: 'X', tier: 1 }));
    function One() {
      const c = useObject<{ name: string }>('Customer', 'x');
      const s = useSyncState();
      return h('p', null, `${c ? c.name : 'none'} ${s.connectionState} ${s.pendingUploads}`);
    }
    render(withDb(db, app, h(One)));
    await screen.findByText('X disconnected 1');
    await act(() => db.write((tx) => tx.delete('Customer', 'x')));
    await screen.findByText('none disconnected 2');
    await db.close();
  });

  it('UserProvider shows the fallback until login; useAuth logs in with pending and error state', async () => {
    const { startFakeServer } = await import('../client/testing/fake-server.ts');
    const server = await startFakeServer({ schema: workOrderSchema });
    await server.auth.users.set('u-ana', { id: 'u-ana', provider: 'email', email: 'ana@x', password: 'pw' });
    const app = new App({ baseUrl: server.baseUrl, appId: uniqueAppId('react'), storage: new MemoryKeyValueStore(), fetch: nodeFetch, inProcess: { indexedDB: freshIndexedDb(), sockets: headerSockets(WebSocket as never) } });
    function Login() {
      const auth = useAuth();
      return h(
        'div',
        null,
        h('button', { onClick: () => void auth.logIn(Credentials.emailPassword('ana@x', 'bad')) }, 'bad'),
        h('button', { onClick: () => void auth.logIn(Credentials.emailPassword('ana@x', 'pw')) }, 'good'),
        h('span', null, auth.pending ? 'pending' : auth.error ? `error:${(auth.error as { code?: string }).code}` : 'idle'),
      );
    }
    function Home() {
      const user = useUser();
      const db = useDatabase();
      return h('p', null, `hello ${user.profile.email} ${db.name === `outpost:${app.id}:${user.id}`}`);
    }
    render(h(AppProvider, { app }, h(UserProvider, { fallback: h(Login) }, h(DatabaseProvider, { schema: workOrderSchema, sync: {}, fallback: h('p', null, 'opening') }, h(Home)))));
    await act(async () => screen.getByText('bad').click());
    await screen.findByText('error:invalid_credentials');
    await act(async () => screen.getByText('good').click());
    await screen.findByText('hello ana@x true');
    cleanup();
    await server.close();
  });

  it('a component re-rendering for other reasons gets the same list', async () => {
    const { app, db } = await openLocal();
    await db.write((tx) => tx.create('Customer', { _id: 'a', name: 'A', tier: 1 }));
    const lists: unknown[] = [];
    function Counter() {
      const renders = useRef(0);
      renders.current++;
      const items = useQuery('Customer');
      lists.push(items);
      return h('button', { onClick: () => void 0 }, `n=${items.length}`);
    }
    const { rerender } = render(withDb(db, app, h(Counter)));
    await screen.findByText('n=1');
    rerender(withDb(db, app, h(Counter)));
    expect(lists.at(-1)).toBe(lists.at(-2));
    await db.close();
    void waitFor;
  });
});
