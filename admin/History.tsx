import { useState, type ReactNode } from 'react';
import { usePoll, when } from './poll.ts';

interface Row {
  version: number;
  origin: number;
  userId: string | null;
  originVersion: number;
  privateTo: number | null;
  at: number;
  instructions: Record<string, unknown>[];
  more?: number;
}

/** One instruction in words: `Set WorkOrder 0b55… title = "Valve"`. */
function describe(i: Record<string, unknown>): string {
  const target = i.type !== undefined ? `${String(i.type)} ${JSON.stringify(i.pk ?? '')}` : '';
  const path = Array.isArray(i.path) ? (i.path as unknown[]).join('.') : '';
  const value = 'value' in i ? ` = ${JSON.stringify(i.value)}` : 'to' in i ? ` → ${String(i.to)}` : '';
  return `${String(i.op)} ${target}${path ? ' ' + path : ''}${value}`;
}

/** The history, newest first, by version, object (type and primary key) or origin (client file). */
export function History(): ReactNode {
  const [filters, setFilters] = useState({ type: '', pk: '', origin: '', before: '' });
  const [form, setForm] = useState(filters);
  const query = new URLSearchParams(Object.entries({ ...filters, limit: '50' }).filter(([, v]) => v !== '')).toString();
  const { data, error } = usePoll<{ history: Row[]; latest: number; first: number; next?: number }>(`/history?${query}`);
  return (
    <section>
      <h2>History</h2>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(form);
        }}
      >
        <input aria-label="type" placeholder="type" value={form.type} onChange={(e) => setForm({ ...form, type: e.target.value })} />
        <input aria-label="primary key" placeholder="primary key" value={form.pk} onChange={(e) => setForm({ ...form, pk: e.target.value })} />
        <input aria-label="client file" placeholder="client file" value={form.origin} onChange={(e) => setForm({ ...form, origin: e.target.value })} />
        <input aria-label="before version" placeholder="before version" value={form.before} onChange={(e) => setForm({ ...form, before: e.target.value })} />
        <button type="submit">Show</button>
      </form>
      {error && <p className="error">{error}</p>}
      {data && (
        <p className="muted">
          Versions {data.first} to {data.latest} are kept.
        </p>
      )}
      <table>
        <thead>
          <tr>
            <th>Version</th>
            <th>Origin</th>
            <th>Written</th>
            <th>Changes</th>
          </tr>
        </thead>
        <tbody>
          {data?.history.map((r) => (
            <tr key={r.version} data-testid="history-row">
              <td>{r.version}</td>
              <td>
                {r.origin === 1 ? 'server' : `file ${r.origin} v${r.originVersion}`}
                {r.userId && <div className="mono small">{r.userId}</div>}
                {r.privateTo !== null && <div className="muted small">only for file {r.privateTo}</div>}
              </td>
              <td>{when(r.at)}</td>
              <td className="mono wrap-wide">
                {r.instructions.map((i, n) => (
                  <div key={n}>{describe(i)}</div>
                ))}
                {r.more !== undefined && <div className="muted">…and {r.more} more on other objects</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {data?.next !== undefined && (
        <button onClick={() => (setForm({ ...form, before: String(data.next) }), setFilters({ ...filters, before: String(data.next) }))}>Older</button>
      )}
    </section>
  );
}
