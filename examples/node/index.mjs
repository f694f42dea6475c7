// A Node script that logs in, subscribes, writes and reads back through an Outpost server.
//   npx outpost-server --config outpost.config.json        (in another terminal)
//   OUTPOST_URL=http://localhost:8080 node index.mjs [email] [password]
// Node has no Web Worker: the client runs its worker in this process, with an IndexedDB
// implementation (fake-indexeddb: in memory, gone when the script ends) and the `ws` WebSocket.
import { IDBKeyRange, indexedDB } from 'fake-indexeddb';
import WebSocket from 'ws';
import { App, Credentials, ObjectId, headerSockets } from 'outpost';

const baseUrl = process.env.OUTPOST_URL ?? 'http://localhost:8080';
const [email = `node-${Date.now()}@example.com`, password = 'a long password'] = process.argv.slice(2);

const Item = {
  name: 'Item',
  primaryKey: '_id',
  properties: { _id: 'objectId', owner: { type: 'string', indexed: true }, title: 'string', done: 'bool' },
};

const app = new App({ baseUrl, appId: 'examples', inProcess: { indexedDB: { indexedDB, IDBKeyRange }, sockets: headerSockets(WebSocket) } });

let user;
try {
  user = await app.logIn(Credentials.emailPassword(email, password));
} catch (err) {
  if (err.code !== 'invalid_credentials') throw err;
  await app.emailPasswordAuth.registerUser({ email, password });
  user = await app.logIn(Credentials.emailPassword(email, password));
}
console.log(`logged in as ${email} (${user.id})`);

const db = await app.open({
  schema: [Item],
  sync: { user, initialSubscriptions: (subs) => subs.add('Item', 'owner == $0', [user.id]), waitForDownload: { timeoutMs: 15_000, onTimeout: 'throw' } },
});
const before = await db.objects('Item').toArray();
console.log(`downloaded ${before.length} item(s): ${before.map((i) => i.title).join(', ') || '(none)'}`);

const title = `from node ${new Date().toISOString()}`;
await db.write((tx) => tx.create('Item', { _id: new ObjectId(), owner: user.id, title, done: false }));
await db.sync.waitForUpload({ timeoutMs: 15_000 });
console.log(`uploaded "${title}"`);

await db.close();
console.log('done');
