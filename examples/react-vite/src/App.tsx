import { useState, type FormEvent } from 'react';
import { Credentials, ObjectId } from 'outpost';
import { AppProvider, DatabaseProvider, UserProvider, useAuth, useDatabase, useQuery, useSyncState, useUser } from 'outpost/react';
import { Item, type ItemDoc } from './schema';

// The sync server: the page's own origin (the server serves this build), or VITE_OUTPOST_URL.
const baseUrl = import.meta.env.VITE_OUTPOST_URL ?? location.origin;

export function App() {
  return (
    <AppProvider config={{ baseUrl, appId: 'examples' }}>
      <UserProvider fallback={<Login />}>
        <UserDatabase />
      </UserProvider>
    </AppProvider>
  );
}

/** The logged-in user's database, subscribed to the user's own items. */
function UserDatabase() {
  const user = useUser();
  return (
    <DatabaseProvider
      schema={[Item]}
      sync={{ initialSubscriptions: (subs) => subs.add('Item', 'owner == $0', [user.id]) }}
      fallback={<p>Opening…</p>}
      errorFallback={(e) => <p role="alert">{e.message}</p>}
    >
      <Items />
    </DatabaseProvider>
  );
}

function Login() {
  const { logIn, register, pending, error } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = (create: boolean) => async (e: FormEvent) => {
    e.preventDefault();
    if (create && !(await register(email, password))) return;
    await logIn(Credentials.emailPassword(email, password));
  };
  return (
    <form onSubmit={submit(false)}>
      <h1>Log in</h1>
      <input aria-label="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      <input aria-label="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
      <button type="submit" disabled={pending}>Log in</button>
      <button type="button" disabled={pending} onClick={submit(true)}>Create account</button>
      {error && <p role="alert">{error.message}</p>}
    </form>
  );
}

function Items() {
  const db = useDatabase();
  const user = useUser();
  const items = useQuery<ItemDoc>('Item', (q) => q.sorted('title'));
  const { connectionState, pendingUploads } = useSyncState();
  const [title, setTitle] = useState('');
  const add = async (e: FormEvent) => {
    e.preventDefault();
    // Clear the field first: what is typed while the write commits belongs to the next item.
    setTitle('');
    await db.write((tx) => tx.create('Item', { _id: new ObjectId(), owner: user.id, title, done: false }));
  };
  return (
    <main>
      <p>
        <span data-testid="badge">{connectionState === 'connected' ? 'online' : 'offline'}</span>{' '}
        <span data-testid="pending">{pendingUploads} pending</span>
      </p>
      <form onSubmit={add}>
        <input aria-label="new item" value={title} onChange={(e) => setTitle(e.target.value)} />
        <button type="submit">Add</button>
      </form>
      <ul>
        {items.map((item) => (
          <li key={String(item._id)}>
            <label>
              <input
                type="checkbox"
                aria-label={`done: ${item.title}`}
                checked={item.done}
                onChange={(e) => void db.write((tx) => tx.update('Item', item._id, { done: e.target.checked }))}
              />
              <span data-testid="title">{item.title}</span>
            </label>
          </li>
        ))}
      </ul>
    </main>
  );
}
