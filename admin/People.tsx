import { useState } from 'react';
import { api } from './api.ts';
import { usePoll, when } from './poll.ts';

interface User {
  id: string;
  email: string | null;
  provider: string;
  createdAt: number;
  /** Why the user has the dashboard's admin role ('config' or 'granted'), or null. */
  admin?: string | null;
}
interface ApiKey {
  id: string;
  name: string;
  userId: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Users (create, delete) and server API keys (create, revoke). */
export function People() {
  const users = usePoll<{ users: User[] }>('/users?limit=1000');
  const keys = usePoll<{ apiKeys: ApiKey[] }>('/api-keys');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [keyName, setKeyName] = useState('');
  const [newKey, setNewKey] = useState<string>();
  const [error, setError] = useState<string>();
  const act = async (fn: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await fn();
    } catch (e) {
      setError((e as Error).message);
    }
    users.reload();
    keys.reload();
  };
  return (
    <section>
      <h2>Users</h2>
      {error && <p className="error">{error}</p>}
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act(() => api.post('/users', { email, password })).then(() => (setEmail(''), setPassword('')));
        }}
      >
        <input placeholder="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <input placeholder="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <button type="submit">Create user</button>
      </form>
      <table>
        <thead>
          <tr>
            <th>Id</th>
            <th>Email</th>
            <th>Provider</th>
            <th>Created</th>
            <th>Admin</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.data?.users.map((u) => (
            <tr key={u.id}>
              <td className="mono">{u.id}</td>
              <td>{u.email ?? '—'}</td>
              <td>{u.provider}</td>
              <td>{when(u.createdAt)}</td>
              <td data-testid="admin-role">
                {u.admin === 'config' ? (
                  'yes (configured)'
                ) : u.admin === 'granted' ? (
                  <button onClick={() => void act(() => api.put(`/users/${u.id}/admin`, { admin: false }))}>Remove admin</button>
                ) : (
                  <button onClick={() => void act(() => api.put(`/users/${u.id}/admin`, { admin: true }))}>Make admin</button>
                )}
              </td>
              <td>
                <button onClick={() => confirm(`Delete ${u.email ?? u.id} with its tokens and keys?`) && void act(() => api.del(`/users/${u.id}`))}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>API keys</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => setNewKey((await api.post<{ key: string }>('/api-keys', { name: keyName })).key)).then(() => setKeyName(''));
        }}
      >
        <input placeholder="name" value={keyName} onChange={(e) => setKeyName(e.target.value)} />
        <button type="submit">Create key</button>
      </form>
      {newKey && (
        <p className="notice">
          New key (shown once): <code>{newKey}</code>
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>User</th>
            <th>Created</th>
            <th>Revoked</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.data?.apiKeys.map((k) => (
            <tr key={k.id}>
              <td>{k.name}</td>
              <td className="mono">{k.userId}</td>
              <td>{when(k.createdAt)}</td>
              <td>{k.revokedAt ? when(k.revokedAt) : 'no'}</td>
              <td>{!k.revokedAt && <button onClick={() => void act(() => api.del(`/api-keys/${k.id}`))}>Revoke</button>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
