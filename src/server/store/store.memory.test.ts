import { MemoryStore } from './memory.ts';
import { runStoreContractTests } from './contract.ts';

runStoreContractTests('memory', async () => {
  const store = new MemoryStore();
  return { store, cleanup: () => store.close() };
});
