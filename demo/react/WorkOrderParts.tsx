import { LIMITS, limitMessage } from '../shared/limits.ts';
import { useState, type FormEvent, type ReactNode } from 'react';
import type { Snapshot } from 'outpost';
import { PARTS } from '../shared/catalog.ts';
import { timeLabel } from '../shared/format.ts';
import type { WorkOrderDoc } from '../shared/schema.ts';
import type { Person } from '../shared/session.ts';
import type { Edit } from './WorkOrderDetail.tsx';

/*
 * The parts of a work order that are collections: the checklist (a list of embedded tasks), parts
 * used (counters) and the notes log (a list: notes written on two devices are both kept).
 */

interface SectionProps {
  readonly wo: Snapshot<WorkOrderDoc>;
  readonly editable: boolean;
  readonly edit: Edit;
}

export function Checklist({ wo, editable, edit, me }: SectionProps & { me: Person }): ReactNode {
  const [title, setTitle] = useState('');
  const done = wo.tasks.filter((t) => t.done).length;
  const add = (e: FormEvent) => {
    e.preventDefault();
    const text = title.trim();
    if (!text) return;
    edit((tx, w) => tx.list(w, 'tasks').push({ title: text, done: false, doneAt: null, doneBy: null }));
    setTitle('');
  };
  return (
    <div className="card">
      <h3>
        Checklist <span className="count">{`${done}/${wo.tasks.length}`}</span>
      </h3>
      <ul className="checklist" data-testid="checklist">
        {wo.tasks.map((t, i) => (
          <li key={i}>
            <label className={t.done ? 'done' : ''}>
              <input
                type="checkbox"
                checked={t.done}
                disabled={!editable}
                // Fields of the element, not the whole element: a concurrent edit of its title survives.
                onChange={(e) => {
                  const checked = e.target.checked;
                  edit((tx, w) => {
                    tx.assign(w, ['tasks', i, 'done'], checked);
                    tx.assign(w, ['tasks', i, 'doneAt'], checked ? new Date() : null);
                    tx.assign(w, ['tasks', i, 'doneBy'], checked ? me.name : null);
                  });
                }}
              />
              <span>{t.title}</span>
              {t.done && t.doneBy && <span className="muted small">{t.doneBy}</span>}
            </label>
          </li>
        ))}
      </ul>
      {editable && (
        <form className="inline-form" onSubmit={add}>
          <input aria-label="New task" placeholder="Add a task" value={title} onChange={(e) => setTitle(e.target.value)} />
          <button type="submit">Add</button>
        </form>
      )}
    </div>
  );
}

export function PartsUsed({ wo, editable, edit }: SectionProps): ReactNode {
  const [sku, setSku] = useState(PARTS[0]!.sku);
  // Two devices may each add a line for the same part while offline: show one total per part,
  // and count further uses on the first line (a counter: increments from every device add up).
  const totals = new Map<string, { name: string; qty: number; index: number }>();
  wo.parts.forEach((p, index) => {
    const t = totals.get(p.sku);
    if (t) t.qty += p.qty;
    else totals.set(p.sku, { name: p.name, qty: p.qty, index });
  });
  const used = [...totals.entries()].filter(([, t]) => t.qty > 0);
  const bump = (partSku: string, by: number) =>
    edit((tx, w) => {
      const line = totals.get(partSku);
      if (line) tx.increment(w, ['parts', line.index, 'qty'], by);
      else tx.list(w, 'parts').push({ sku: partSku, name: PARTS.find((p) => p.sku === partSku)!.name, qty: by });
    });
  return (
    <div className="card">
      <h3>Parts used</h3>
      {used.length === 0 && <p className="muted">None recorded.</p>}
      <ul className="parts" data-testid="parts">
        {used.map(([partSku, t]) => (
          <li key={partSku} data-sku={partSku}>
            <span>
              {t.name} <span className="muted small">{partSku}</span>
            </span>
            <span className="stepper">
              {editable && (
                <button type="button" aria-label={`One less ${t.name}`} onClick={() => bump(partSku, -1)}>
                  −
                </button>
              )}
              <span className="qty" data-testid="part-qty">
                {t.qty}
              </span>
              {editable && (
                <button type="button" aria-label={`One more ${t.name}`} onClick={() => bump(partSku, 1)}>
                  +
                </button>
              )}
            </span>
          </li>
        ))}
      </ul>
      {editable && (
        <div className="inline-form">
          <select aria-label="Part" value={sku} onChange={(e) => setSku(e.target.value)}>
            {PARTS.map((p) => (
              <option key={p.sku} value={p.sku}>
                {p.name}
              </option>
            ))}
          </select>
          <button type="button" onClick={() => bump(sku, 1)}>
            Use one
          </button>
        </div>
      )}
    </div>
  );
}

export function NotesLog({ wo, editable, edit, me }: SectionProps & { me: Person }): ReactNode {
  const [text, setText] = useState('');
  const add = (e: FormEvent) => {
    e.preventDefault();
    const note = text.trim();
    if (!note) return;
    edit((tx, w) => tx.list(w, 'notes').push({ text: note, author: me.name, authorId: me.id, at: new Date() }));
    setText('');
  };
  return (
    <div className="card">
      <h3>Notes</h3>
      <ul className="notes" data-testid="notes">
        {wo.notes.map((n, i) => (
          <li key={i}>
            <p>{n.text}</p>
            <span className="muted small">
              {n.author} · {timeLabel(n.at)}
            </span>
          </li>
        ))}
      </ul>
      {wo.notes.length === 0 && <p className="muted">No notes yet.</p>}
      {editable && (
        <form className="inline-form" onSubmit={add}>
          <input aria-label="New note" placeholder="Add a note" maxLength={LIMITS.note} value={text} onChange={(e) => setText(e.target.value)} />
          <button type="submit">Add note</button>
        </form>
      )}
      {editable && limitMessage(text, LIMITS.note) && (
        <small className="limit" role="status">
          {limitMessage(text, LIMITS.note)}
        </small>
      )}
    </div>
  );
}
