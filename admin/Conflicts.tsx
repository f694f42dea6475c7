import { usePoll, when } from './poll.ts';

interface Side {
  origin: number;
  userId: string | null;
  version: number | null;
  clientVersion: number | null;
}
type Journaled = { value: unknown } | { size: number };
interface Entry {
  id: number;
  at: number;
  kind: string;
  type: string;
  pk: unknown;
  path: string[];
  loser: Side;
  winner: Side;
  lost?: Journaled;
  won?: Journaled;
  reason?: string;
  dismissedAt: number | null;
}

function show(v: Journaled | undefined): string {
  if (v === undefined) return '—';
  return 'value' in v ? JSON.stringify(v.value) : `(${v.size} bytes)`;
}

function who(s: Side): string {
  return s.origin === 1 ? 'server rules' : `${s.userId ?? '?'} (file ${s.origin})`;
}

/** The conflict journal, newest first: what the merge rules and permissions decided against whom. */
export function Conflicts() {
  const { data, error } = usePoll<{ conflicts: Entry[] }>('/conflicts?limit=200', 3000);
  return (
    <section>
      <h2>Conflict journal</h2>
      <p className="muted">
        Writes the merge rules decided against (overwritten, erased) and writes the server reverted (compensating writes). Losers see their own in their
        app.
      </p>
      {error && <p className="error">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>When</th>
            <th>Kind</th>
            <th>Object</th>
            <th>Field</th>
            <th>Lost</th>
            <th>By</th>
            <th>Stands</th>
            <th>Winner</th>
            <th>Read</th>
          </tr>
        </thead>
        <tbody>
          {data?.conflicts.map((c) => (
            <tr key={c.id} data-testid="conflict-row">
              <td>{when(c.at)}</td>
              <td>
                {c.kind}
                {c.reason && <div className="muted small">{c.reason}</div>}
              </td>
              <td className="mono">
                {c.type} {JSON.stringify(c.pk)}
              </td>
              <td className="mono">{c.path.join('.') || '(object)'}</td>
              <td className="mono wrap">{show(c.lost)}</td>
              <td>{who(c.loser)}</td>
              <td className="mono wrap">{show(c.won)}</td>
              <td>
                {who(c.winner)}
                {c.winner.version !== null && <div className="muted small">v{c.winner.version}</div>}
              </td>
              <td>{c.dismissedAt ? when(c.dismissedAt) : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
