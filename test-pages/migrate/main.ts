import { App, Credentials, ObjectId, type Database } from '../../src/client/index.ts';

/*
 * The migration end-to-end test's page (e2e/migrate): the Realm template todo app's model and
 * open call as a Realm JS app writes them, with only the import and the App changed. The page is
 * served by the real Outpost server, started on the configuration `outpost import-app` wrote.
 */

// The template app's model, unchanged: a class with a static schema and a function default.
class Item {
  static schema = {
    name: 'Item',
    primaryKey: '_id',
    properties: {
      _id: { type: 'objectId', default: () => new ObjectId() },
      isComplete: { type: 'bool', default: false },
      summary: 'string',
      owner_id: 'string',
    },
  };
}

interface ItemObject {
  _id: ObjectId;
  isComplete: boolean;
  summary: string;
  owner_id: string;
}

const app = new App({ baseUrl: location.origin, appId: 'todo-sync' });
let db: Database | null = null;
const errors: { code: string; message: string }[] = [];
let items: ItemObject[] = [];

const migrate = {
  errors,
  async open(email: string, password: string): Promise<string> {
    const user = await app.logIn(Credentials.emailPassword(email, password));
    db = await app.open({
      schema: [Item],
      sync: {
        user,
        initialSubscriptions: (subs) => subs.add('Item', 'TRUEPREDICATE', [], { name: 'all items' }),
        onError: (e) => errors.push({ code: e.code, message: e.message }),
        waitForDownload: { timeoutMs: 20_000, onTimeout: 'throw' },
      },
    });
    db.objects<ItemObject>('Item').sorted('summary').observe().subscribe((list) => {
      items = list.map((i) => ({ ...i }));
      document.getElementById('items')!.replaceChildren(...list.map((i) => Object.assign(document.createElement('li'), { textContent: `${i.summary}${i.isComplete ? ' (done)' : ''}` })));
    });
    document.getElementById('status')!.textContent = 'open';
    return user.id;
  },
  items(): { id: string; summary: string; owner: string; isComplete: boolean }[] {
    return items.map((i) => ({ id: i._id.toHexString(), summary: i.summary, owner: i.owner_id, isComplete: i.isComplete }));
  },
  async create(summary: string, owner: string): Promise<string> {
    const created = await db!.write((tx) => tx.create<ItemObject>('Item', { summary, owner_id: owner }));
    return created._id.toHexString();
  },
  async complete(id: string): Promise<void> {
    await db!.write((tx) => tx.update('Item', new ObjectId(id), { isComplete: true }));
  },
  async waitForUpload(): Promise<void> {
    await db!.sync.waitForUpload({ timeoutMs: 20_000 });
  },
};

(window as unknown as { migrate: typeof migrate }).migrate = migrate;
document.getElementById('status')!.textContent = 'ready';
