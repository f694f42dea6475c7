/** Test support for the client: a Node client factory, a fake sync server, shared fixtures. */
export { openTestClient, type TestClient, type TestClientOptions } from './open-test-client.ts';
export { FakeServer, startFakeServer, type FakeServerOptions, type ResetTrap } from './fake-server.ts';
export type { FakeHistory, TransactOutcome } from './fake-history.ts';
export { FakeAuth, type FakeAuthOptions } from './fake-auth.ts';
export { freshIndexedDb, nextMatching, openLocal, uniqueAppId, workOrderSchema } from './fixtures.ts';
