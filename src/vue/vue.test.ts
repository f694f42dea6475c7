// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { createApp, defineComponent, h, nextTick, ref } from 'vue';
import { openLocal } from '../client/testing/fixtures.ts';
import { createOutpost, useObject, useQuery, useSyncState } from './index.ts';

async function until(cond: () => boolean, timeoutMs = 3000) {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
    await nextTick();
  }
}

describe('Vue composables', () => {
  it('useQuery, useObject and useSyncState return live refs and stop with the scope', async () => {
    const { app, db } = await openLocal();
    await db.write((tx) => {
      tx.create('Customer', { _id: 'a', name: 'Ada', tier: 1 });
      tx.create('Customer', { _id: 'b', name: 'Bob', tier: 3 });
    });
    const minTier = ref(0);
    const Comp = defineComponent({
      setup() {
        const customers = useQuery<{ name: string }>('Customer', (q) => q.filtered('tier >= $0', minTier.value).sorted('name'));
        const ada = useObject<{ tier: number }>('Customer', 'a');
        const sync = useSyncState();
        return () => h('p', `${customers.value.map((c) => c.name).join(',')}|${ada.value?.tier ?? '-'}|${sync.connectionState.value}|${sync.pendingUploads.value}`);
      },
    });
    const el = document.createElement('div');
    const vue = createApp(Comp).use(createOutpost({ app, database: db }));
    vue.mount(el);
    await until(() => el.textContent === 'Ada,Bob|1|disconnected|1');
    await db.write((tx) => tx.update('Customer', 'a', { tier: 2 }));
    await until(() => el.textContent === 'Ada,Bob|2|disconnected|2');
    minTier.value = 3;
    await until(() => el.textContent === 'Bob|2|disconnected|2');
    vue.unmount();
    await db.write((tx) => tx.update('Customer', 'a', { tier: 9 }));
    await new Promise((r) => setTimeout(r, 30));
    expect(el.textContent).toBe('');
    await db.close();
    expect(typeof createOutpost).toBe('function');
  });
});
