import type { ReactNode } from 'react';
import { isRestorable } from 'outpost';
import { useConflicts, useQuery } from 'outpost/react';
import { describeConflict, lostText } from '../shared/conflicts.ts';
import type { TechnicianDoc, WorkOrderDoc } from '../shared/schema.ts';
import { useMe } from './session.tsx';

/*
 * Conflicts this technician lost, from the server's journal: they stay until read (on every
 * device), say what was lost and to whom, and offer to write it back or copy it.
 */
export function ConflictNotices(): ReactNode {
  const { conflicts, restore, dismiss } = useConflicts();
  const me = useMe();
  const technicians = useQuery<TechnicianDoc>('Technician');
  const workOrders = useQuery<WorkOrderDoc>('WorkOrder');
  if (conflicts.length === 0) return null;
  const name = (id: string | null) => (id === null ? 'the server' : id === me.id ? 'your other device' : (technicians.find((t) => t._id === id)?.name ?? 'another person'));
  return (
    <div className="notices" aria-live="polite">
      {conflicts.map((c) => {
        const code = c.type === 'WorkOrder' ? (workOrders.find((w) => String(w._id) === String(c.pk))?.code ?? null) : null;
        const text = lostText(c);
        return (
          <div key={c.id} className="notice notice-warning notice-conflict" data-testid="conflict-notice">
            <p>{describeConflict(c, code, name)}</p>
            <div className="notice-actions">
              {isRestorable(c) && (
                <button type="button" onClick={() => void restore(c)}>
                  Restore mine
                </button>
              )}
              {text && navigator.clipboard && (
                <button type="button" onClick={() => void navigator.clipboard.writeText(text)}>
                  Copy mine
                </button>
              )}
              <button type="button" onClick={() => void dismiss([c.id])}>
                Dismiss
              </button>
            </div>
          </div>
        );
      })}
    </div>
  );
}
