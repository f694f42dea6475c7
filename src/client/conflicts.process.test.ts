// @vitest-environment happy-dom
import { act, cleanup, render, screen } from '@testing-library/react';
import { createElement as h } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, defineComponent, h as vh, nextTick } from 'vue';
import { AppProvider, DatabaseProvider, useConflicts } from '../react/index.ts';
import { createOutpost, useConflicts as useVueConflicts } from '../vue/index.ts';
import { nodeFetch, workOrderSchema } from './testing/fixtures.ts';
import { clockPast, device, localObject, serverObjects, settle, startServer, TEST_TIMEOUT, until, useServerDevices } from '../testing/server-devices.ts';
import { isRestorable, type Conflict } from './conflicts.ts';

/*
 * The conflict journal as an app sees it, against the REAL server process: `db.conflicts$`, the
 * React and Vue bindings over it, restoring a lost value and dismissing across devices.
 */

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
// happy-dom's fetch applies the browser's same-origin policy to this Node test's requests: Node's HTTP instead.
(globalThis as { fetch: unknown }).fetch = nodeFetch;
useServerDevices();
afterEach(() => cleanup());

describe('conflicts in the client', () => {
  it('an offline edit that loses is reported with who won, can be restored, and dismissal reaches the other device', async () => {
    const server = await startServer({ roles: { default: [{ name: 'everyone', applyWhen: true, read: true, write: true }] } });
    const ana = await device(server, 'ana-laptop', 'ana@example.com');
    const ben = await device(server, 'ben-laptop', 'ben@example.com');
    await ana.db.write((tx) => tx.create('WorkOrder', { _id: 'wo-c', title: 'Replace valve', status: 'open', assigneeId: ana.user.id, region: 'north' }));
    await settle([ana, ben]);

    ana.net.off();
    await until('ana to lose her connection', () => ana.db.sync.connectionState !== 'connected');
    await ana.db.write((tx) => tx.update('WorkOrder', 'wo-c', { title: 'Replace valve and gasket' }));
    await clockPast(Date.now() + 2);
    await ben.db.write((tx) => tx.update('WorkOrder', 'wo-c', { title: 'Replace pump' }));
    await ben.db.sync.waitForUpload({ timeoutMs: 20_000 });

    const seen: (readonly Conflict[])[] = [];
    const sub = ana.db.conflicts$.subscribe((list) => seen.push(list));
    expect(seen).toEqual([[]]); // the current list at once
    ana.net.on();
    await until('ana to hear of the conflict', () => ana.db.conflicts.length > 0);
    sub.unsubscribe();
    const c = ana.db.conflicts[0]!;
    expect(c).toMatchObject({
      kind: 'overwritten',
      type: 'WorkOrder',
      pk: 'wo-c',
      field: 'title',
      path: ['title'],
      lost: { value: 'Replace valve and gasket' },
      won: { value: 'Replace pump' },
      loser: { userId: ana.user.id, fileIdent: ana.db.sync.fileIdent, isServer: false },
      winner: { userId: ben.user.id, fileIdent: ben.db.sync.fileIdent, isServer: false },
    });
    expect(c.at).toBeInstanceOf(Date);
    expect(isRestorable(c)).toBe(true);
    expect(ben.db.conflicts).toEqual([]);
    expect((await localObject(ana, 'wo-c'))!.title).toBe('Replace pump');

    // Her phone hears of it too (her user's losses, on every device).
    const phone = await device(server, 'ana-phone', 'ana@example.com');
    await until('the phone to get the list', () => phone.db.conflicts.some((x) => x.id === c.id));

    // React and Vue show the same list through their bindings.
    function Notice() {
      const { conflicts } = useConflicts();
      return h('p', null, conflicts.map((x) => `${x.field} replaced by ${x.winner.userId === ben.user.id ? 'Ben' : '?'}: ${String((x.lost as { value: unknown }).value)}`).join(';') || 'none');
    }
    render(h(AppProvider, { app: ana.app }, h(DatabaseProvider, { schema: workOrderSchema, database: ana.db }, h(Notice))));
    await screen.findByText('title replaced by Ben: Replace valve and gasket');
    const host = document.createElement('div');
    let vueList: readonly Conflict[] = [];
    const vueApp = createApp(
      defineComponent({
        setup() {
          const { conflicts } = useVueConflicts();
          return () => {
            vueList = conflicts.value;
            return vh('p', conflicts.value.length);
          };
        },
      }),
    );
    vueApp.use(createOutpost({ app: ana.app, database: ana.db }));
    vueApp.mount(host);
    await nextTick();
    expect(vueList.map((x) => x.id)).toEqual([c.id]);

    // Restore: her value is written again (a new write, which now wins), and the notice goes.
    await act(() => ana.db.restoreConflict(c));
    await screen.findByText('none');
    await until('vue to drop it', async () => (await nextTick(), vueList.length === 0));
    expect((await localObject(ana, 'wo-c'))!.title).toBe('Replace valve and gasket');
    await settle([ana, ben]);
    expect((await serverObjects(server)).find((o) => o._id === 'wo-c')!.title).toBe('Replace valve and gasket');
    expect((await localObject(ben, 'wo-c'))!.title).toBe('Replace valve and gasket');
    // The dismissal reached the server, which tells her other device.
    await until('the phone to drop it', () => !phone.db.conflicts.some((x) => x.id === c.id));
    vueApp.unmount();
  }, TEST_TIMEOUT);
});
