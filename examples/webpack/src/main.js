import { App, Credentials, ObjectId } from 'outpost';

// The same object type as the server's outpost.config.json.
const Item = {
  name: 'Item',
  primaryKey: '_id',
  properties: { _id: 'objectId', owner: { type: 'string', indexed: true }, title: 'string', done: 'bool' },
};

const app = new App({ baseUrl: location.origin, appId: 'examples' });
const $ = (id) => document.getElementById(id);

async function logIn(create) {
  const form = new FormData($('login'));
  const email = String(form.get('email'));
  const password = String(form.get('password'));
  try {
    if (create) await app.emailPasswordAuth.registerUser({ email, password });
    await app.logIn(Credentials.emailPassword(email, password));
    await showItems();
  } catch (err) {
    Object.assign($('login-error'), { hidden: false, textContent: err.message });
  }
}

async function showItems() {
  const user = app.currentUser;
  const db = await app.open({ schema: [Item], sync: { user, initialSubscriptions: (subs) => subs.add('Item', 'owner == $0', [user.id]) } });
  $('login').hidden = true;
  $('items').hidden = false;
  const badge = document.querySelector('[data-testid=badge]');
  const pending = document.querySelector('[data-testid=pending]');
  db.sync.connectionState$.subscribe((s) => (badge.textContent = s === 'connected' ? 'online' : 'offline'));
  db.sync.progress$.subscribe((p) => (pending.textContent = `${p.pendingUploads} pending`));
  db.objects('Item').sorted('title').observe().subscribe((items) => {
    $('list').replaceChildren(
      ...items.map((item) => {
        const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: item.done });
        box.setAttribute('aria-label', `done: ${item.title}`);
        box.addEventListener('change', () => void db.write((tx) => tx.update('Item', item._id, { done: box.checked })));
        const title = Object.assign(document.createElement('span'), { textContent: item.title });
        title.dataset.testid = 'title';
        const label = document.createElement('label');
        label.append(box, title);
        const li = document.createElement('li');
        li.append(label);
        return li;
      }),
    );
  });
  $('add').addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = $('add').elements.namedItem('title');
    const title = input.value;
    input.value = '';
    await db.write((tx) => tx.create('Item', { _id: new ObjectId(), owner: user.id, title, done: false }));
  });
}

$('login').addEventListener('submit', (e) => (e.preventDefault(), void logIn(false)));
$('create').addEventListener('click', () => void logIn(true));
if (app.currentUser) void showItems();
