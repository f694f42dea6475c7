import { useEffect, useState } from 'react';
import { api } from './api.ts';
import { usePoll } from './poll.ts';

interface Rules {
  byType: Record<string, unknown[]>;
  default: unknown[];
}
interface SchemaType {
  name: string;
  embedded?: boolean;
}

/**
 * Schema (read) and rules (view, edit with the server's validation, and a dry run of the edited
 * rules: how many objects of a type a user would see).
 */
export function RulesPage() {
  const rules = usePoll<{ rules: Rules }>('/rules');
  const schema = usePoll<{ schema: SchemaType[] }>('/schema');
  const users = usePoll<{ users: { id: string; email: string | null }[] }>('/users?limit=1000');
  const [text, setText] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  const [userId, setUserId] = useState('');
  const [type, setType] = useState('');
  const [dry, setDry] = useState<string>();
  useEffect(() => {
    if (rules.data && text === '') setText(JSON.stringify(rules.data.rules, null, 2));
  }, [rules.data, text]);
  const types = (schema.data?.schema ?? []).filter((t) => !t.embedded).map((t) => t.name);
  const parsed = (): Rules | undefined => {
    try {
      return JSON.parse(text) as Rules;
    } catch (e) {
      setMessage({ ok: false, text: `not JSON: ${(e as Error).message}` });
      return undefined;
    }
  };
  const save = async () => {
    const r = parsed();
    if (!r) return;
    try {
      await api.put('/rules', { rules: r });
      setMessage({ ok: true, text: 'saved: new sessions get these rules' });
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message });
    }
  };
  const dryRun = async () => {
    const r = parsed();
    if (!r) return;
    const u = userId || users.data?.users[0]?.id;
    const t = type || types[0];
    if (!u || !t) return;
    try {
      const out = await api.post<{ readable: number; role: string }>('/rules/dry-run', { rules: r, userId: u, type: t });
      const label = users.data?.users.find((x) => x.id === u)?.email ?? u;
      setDry(`With these rules, ${label} would see ${out.readable} ${t} object${out.readable === 1 ? '' : 's'} (role ${out.role}).`);
      setMessage(undefined);
    } catch (e) {
      setDry(undefined);
      setMessage({ ok: false, text: (e as Error).message });
    }
  };
  return (
    <section>
      <h2>Rules</h2>
      <p className="muted">Roles per type (docs/server.md, roles). Edits are checked against the schema before they are saved or tried.</p>
      <textarea aria-label="rules" spellCheck={false} rows={18} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="row">
        <button onClick={() => void save()}>Save rules</button>
        <span>Dry run as</span>
        <select aria-label="user" value={userId} onChange={(e) => setUserId(e.target.value)}>
          {users.data?.users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.email ?? u.id}
            </option>
          ))}
        </select>
        <select aria-label="type" value={type} onChange={(e) => setType(e.target.value)}>
          {types.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <button onClick={() => void dryRun()}>Dry run</button>
      </div>
      {message && <p className={message.ok ? 'notice' : 'error'}>{message.text}</p>}
      {dry && (
        <p className="notice" data-testid="dry-run">
          {dry}
        </p>
      )}
      <h2>Schema</h2>
      <pre className="schema">{schema.data ? JSON.stringify(schema.data.schema, null, 2) : 'loading…'}</pre>
    </section>
  );
}
