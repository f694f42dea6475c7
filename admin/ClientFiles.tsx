import { useState } from 'react';
import { api } from './api.ts';
import { usePoll, when } from './poll.ts';

interface ClientFile {
  ident: number;
  userId: string;
  createdAt: number;
  lastSeenAt: number;
  clientVersion: number;
  serverVersion: number;
  subscriptions: number;
  node: string | null;
  live: boolean;
  retired: { at: number; reason: string | null; action: string | null } | null;
}

/**
 * Client files (one local database on one device each), newest first: last seen, the versions
 * it has shown (client version acknowledged, server version downloaded), user, node. Reset makes
 * the device start over with what it had not uploaded; retire refuses the file for good.
 */
export function ClientFiles() {
  const [user, setUser] = useState('');
  const [shown, setShown] = useState('');
  const { data, error, reload } = usePoll<{ clientFiles: ClientFile[] }>(`/client-files?limit=200${shown ? `&user=${encodeURIComponent(shown)}` : ''}`, 5000);
  const [result, setResult] = useState<string>();
  const act = async (f: ClientFile, action: 'reset' | 'retire') => {
    const question =
      action === 'reset'
        ? `Reset client file ${f.ident}? The device downloads everything again and keeps what it had not uploaded.`
        : `Retire client file ${f.ident}? It is refused from now on and what it had not uploaded is discarded.`;
    if (!confirm(question)) return;
    try {
      await api.post(`/client-files/${f.ident}/${action}`);
      setResult(`Client file ${f.ident}: ${action === 'reset' ? 'reset' : 'retired'}.`);
    } catch (e) {
      setResult((e as Error).message);
    }
    reload();
  };
  return (
    <section>
      <h2>Client files</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(user.trim());
        }}
      >
        <input aria-label="user id" placeholder="user id" value={user} onChange={(e) => setUser(e.target.value)} />
        <button type="submit">Show</button>
      </form>
      {error && <p className="error">{error}</p>}
      {result && <p className="notice">{result}</p>}
      <table>
        <thead>
          <tr>
            <th>File</th>
            <th>User</th>
            <th>Node</th>
            <th>Last seen</th>
            <th>Client version acknowledged</th>
            <th>Server version downloaded</th>
            <th>Subscriptions</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.clientFiles.map((f) => (
            <tr key={f.ident} data-testid={`file-${f.ident}`} className={f.retired ? 'retired' : ''}>
              <td>{f.ident}</td>
              <td className="mono">{f.userId}</td>
              <td className="nowrap">{f.node ?? '—'}</td>
              <td>{when(f.lastSeenAt)}</td>
              <td>{f.clientVersion}</td>
              <td>{f.serverVersion}</td>
              <td>{f.subscriptions}</td>
              <td data-testid="file-state">{f.retired ? `${f.retired.action === 'client_reset_no_recovery' ? 'retired' : 'reset'}: ${f.retired.reason ?? ''}` : f.live ? 'connected' : 'offline'}</td>
              <td>
                {!f.retired && (
                  <span className="row">
                    <button onClick={() => void act(f, 'reset')}>Reset</button>
                    <button onClick={() => void act(f, 'retire')}>Retire</button>
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
