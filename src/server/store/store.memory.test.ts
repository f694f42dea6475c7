import { MemoryStore } from './memory.ts';
import { runStoreContractTests } from '../testing/store-contract/index.ts';

runStoreContractTests('memory', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
