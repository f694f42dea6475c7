import { LIMITS } from '../shared/limits.ts';
import { useMemo, type ReactNode } from 'react';
import { ObjectId, type Snapshot, type WriteTransaction } from 'outpost';
import { useDatabase, useObject } from 'outpost/react';
import { PRIORITY_LABEL, regionName, STATUS_LABEL } from '../shared/catalog.ts';
import { dateInputValue, dueLabel, fromDateInput } from '../shared/format.ts';
import type { CustomerDoc, WorkOrderDoc } from '../shared/schema.ts';
import { canEdit } from '../shared/session.ts';
import { Checklist, NotesLog, PartsUsed } from './WorkOrderParts.tsx';
import { EditableText } from './fields.tsx';
import { useNotify } from './Notices.tsx';
import { useMe } from './session.tsx';
import { assigneeLabel, useTechnicians } from './technicians.ts';

/*
 * One work order: assignment, status, the editable fields, the checklist, parts and notes. Every
 * change is one `db.write`, committed locally at once (offline too) and uploaded when possible;
 * the screen re-renders from the live object, so an edit from another device shows up here.
 */

export type Edit = (fn: (tx: WriteTransaction, wo: Snapshot<WorkOrderDoc>) => void) => void;

export function WorkOrderDetail({ id }: { id: string }): ReactNode {
  const db = useDatabase();
  const me = useMe();
  const technicians = useTechnicians();
  const notify = useNotify();
  const pk = useMemo(() => new ObjectId(id), [id]);
  const wo = useObject<WorkOrderDoc>('WorkOrder', pk);

  if (!wo) {
    return (
      <section className="detail">
        <a href="#/mine">← My jobs</a>
        <p className="empty">This work order is not on this device: it may have been reassigned, or it is outside your regions.</p>
      </section>
    );
  }

  const editable = canEdit(wo, me);
  const holder =
    wo.assigneeId === null
      ? `Unassigned · ${regionName(wo.region)} pool`
      : wo.assigneeId === me.id
        ? 'Assigned to you'
        : `Assigned to ${assigneeLabel(wo.assigneeId, me.id, technicians)}`;
  const edit: Edit = (fn) => {
    // A local commit, online or not: it fails only if the job vanished meanwhile or storage is full.
    db.write((tx) => fn(tx, wo)).catch((err: Error) => notify({ key: `write:${wo.code}`, tone: 'error', text: `Could not save your change to ${wo.code}: ${err.message}` }));
  };
  const setStatus = (status: WorkOrderDoc['status']) =>
    edit((tx, w) => tx.update(w, { status, completedAt: status === 'done' ? new Date() : null }));

  return (
    <section className="detail" data-testid="wo-detail" data-code={wo.code}>
      <a href={wo.assigneeId === me.id ? '#/mine' : '#/region'}>← Back</a>
      <header className="detail-head">
        <span className="wo-code">{wo.code}</span>
        <span className={`pill status-${wo.status}`} data-testid="wo-status">
          {STATUS_LABEL[wo.status]}
        </span>
      </header>
      <EditableText className="title-input" label="Title" testId="wo-title" maxLength={LIMITS.title} value={wo.title} disabled={!editable} onSave={(title) => edit((tx, w) => tx.update(w, { title }))} />

      <div className="assignment" data-testid="wo-assignee">
        <span>{holder}</span>
        {wo.assigneeId === null && editable && (
          <button type="button" className="primary" onClick={() => edit((tx, w) => tx.update(w, { assigneeId: me.id }))}>
            Claim this job
          </button>
        )}
        {wo.assigneeId === me.id && me.technician && me.regions.includes(wo.region) && wo.status !== 'done' && (
          <button type="button" onClick={() => edit((tx, w) => tx.update(w, { assigneeId: null }))}>
            Release to pool
          </button>
        )}
      </div>
      {!editable && <p className="hint">{wo.assigneeId === null ? 'Only technicians covering this region can take this job.' : 'View only: this job belongs to another technician.'}</p>}

      <div className="grid-2">
        <label>
          Priority
          <select data-testid="wo-priority" value={wo.priority} disabled={!editable} onChange={(e) => edit((tx, w) => tx.update(w, { priority: Number(e.target.value) }))}>
            {[1, 2, 3].map((p) => (
              <option key={p} value={p}>
                {PRIORITY_LABEL[p]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Due ({dueLabel(wo.dueAt)})
          <input
            type="date"
            value={dateInputValue(wo.dueAt)}
            disabled={!editable}
            onChange={(e) => {
              const dueAt = fromDateInput(e.target.value);
              if (dueAt) edit((tx, w) => tx.update(w, { dueAt }));
            }}
          />
        </label>
      </div>

      <div className="card customer-card">
        <strong>{wo.customerName}</strong>
        {wo.site && (
          <span>
            {wo.site.street}, {wo.site.postcode} {wo.site.city}
          </span>
        )}
        {wo.customerId && <CustomerContact id={wo.customerId} />}
      </div>

      <label className="block">
        Description
        <EditableText multiline label="Description" testId="wo-description" maxLength={LIMITS.description} value={wo.description} disabled={!editable} onSave={(description) => edit((tx, w) => tx.update(w, { description }))} />
      </label>

      <Checklist wo={wo} editable={editable} edit={edit} me={me} />
      <PartsUsed wo={wo} editable={editable} edit={edit} />
      <NotesLog wo={wo} editable={editable} edit={edit} me={me} />

      {editable && (
        <div className="actions">
          {wo.status === 'open' && (
            <button type="button" onClick={() => setStatus('in_progress')}>
              Start job
            </button>
          )}
          {wo.status !== 'done' && (
            <button type="button" className="primary" data-testid="wo-complete" onClick={() => setStatus('done')}>
              Complete job
            </button>
          )}
          {wo.status === 'done' && (
            <button type="button" onClick={() => setStatus('open')}>
              Reopen
            </button>
          )}
        </div>
      )}
    </section>
  );
}

/** The customer's contact details, when the customer is on this device (a customer of the region being viewed). */
function CustomerContact({ id }: { id: ObjectId }): ReactNode {
  const customer = useObject<CustomerDoc>('Customer', id);
  if (!customer) return null;
  return (
    <span>
      {customer.contact} · <a href={`tel:${customer.phone.replace(/\s/g, '')}`}>{customer.phone}</a>
      {customer.accessNotes && <> · {customer.accessNotes}</>}
    </span>
  );
}
