import { api } from './api.ts';
import { bytes, usePoll, when } from './poll.ts';

interface LiveSession {
  clientFile: number;
  node: string;
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

/** Live sync sessions of every server node, every 2 s, with disconnect (on whichever node serves it). */
export function Sessions() {
  const { data, error, reload } = usePoll<{ sessions: LiveSession[]; node?: string }>('/sessions', 2000);
  const disconnect = async (s: LiveSession) => {
    await api.post(`/sessions/${s.clientFile}/disconnect?node=${encodeURIComponent(s.node)}`);
    reload();
  };
  const nodes = new Set(data?.sessions.map((s) => s.node));
  return (
    <section>
      <h2>Live sessions</h2>
      {error && <p className="error">{error}</p>}
      <p className="muted" data-testid="session-count">
        {data ? `${data.sessions.length} connected` : 'loading…'}
      </p>
      {data && (
        <p className="muted small" data-testid="node-summary">
          This dashboard runs on node {data.node ?? '—'}; sessions on {nodes.size} node{nodes.size === 1 ? '' : 's'}.
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Client file</th>
            <th>Node</th>
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
            <tr key={`${s.node}/${s.clientFile}`} data-testid={`session-${s.clientFile}`}>
              <td>{s.clientFile}</td>
              <td className="nowrap" data-testid="session-node">{s.node}</td>
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
                <button onClick={() => void disconnect(s)}>Disconnect</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
