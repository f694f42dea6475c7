import { api } from './api.ts';
import { bytes, usePoll, when } from './poll.ts';

interface LiveSession {
  clientFile: number;
  userId: string;
  connectedAt: number;
  queryVersion: number;
  subscriptions: number;
  serverVersion: number;
  clientVersion: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
}

/** Live sync sessions on this server node, every 2 s, with disconnect. */
export function Sessions() {
  const { data, error, reload } = usePoll<{ sessions: LiveSession[] }>('/sessions', 2000);
  const disconnect = async (clientFile: number) => {
    await api.post(`/sessions/${clientFile}/disconnect`);
    reload();
  };
  return (
    <section>
      <h2>Live sessions</h2>
      {error && <p className="error">{error}</p>}
      <p className="muted" data-testid="session-count">
        {data ? `${data.sessions.length} connected` : 'loading…'}
      </p>
      <table>
        <thead>
          <tr>
            <th>Client file</th>
            <th>User</th>
            <th>Connected since</th>
            <th>Subscriptions</th>
            <th>Cursor (server / client)</th>
            <th>In</th>
            <th>Out</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data?.sessions.map((s) => (
            <tr key={s.clientFile} data-testid={`session-${s.clientFile}`}>
              <td>{s.clientFile}</td>
              <td className="mono">{s.userId}</td>
              <td>{when(s.connectedAt)}</td>
              <td>
                {s.subscriptions} (set {s.queryVersion})
              </td>
              <td>
                {s.serverVersion} / {s.clientVersion}
              </td>
              <td>
                {bytes(s.bytesIn)} ({s.messagesIn} msgs)
              </td>
              <td>{bytes(s.bytesOut)}</td>
              <td>
                <button onClick={() => void disconnect(s.clientFile)}>Disconnect</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
