import { resolve } from 'node:path';
import { buildPage, REPO, startPageServer } from '../fixtures/page-server.ts';
import { e2eSchema } from '../../test-pages/client/schema.ts';

/** Builds the test page once and serves it with a fake sync server; tests read the URL from the environment. */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const dir = await buildPage(resolve(REPO, 'test-pages/client'));
  // Small bootstrap batches, so that a test can interrupt a bootstrap between them.
  const s = await startPageServer({ pageDir: dir, schema: e2eSchema, bootstrapBatch: 4 });
  process.env.OUTPOST_E2E_URL = s.url;
  return () => s.close();
}
