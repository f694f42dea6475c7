import { LIMITS, limitMessage } from '../shared/limits.ts';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ObjectId } from 'outpost';
import { useDatabase, useQuery } from 'outpost/react';
import { PRIORITY_LABEL, regionName } from '../shared/catalog.ts';
import { dateInputValue, fromDateInput } from '../shared/format.ts';
import type { CustomerDoc, WorkOrderDoc } from '../shared/schema.ts';
import { newWorkOrderCode } from '../shared/session.ts';
import { useNotify } from './Notices.tsx';
import { navigate } from './route.ts';
import { useMe, useRegion } from './session.tsx';

/*
 * A new job for a customer of the current region, assigned to the person creating it. The key is
 * made here (an ObjectId), so the job exists at once, offline too, and keeps its identity when it
 * reaches the server.
 */

const DEFAULT_TASKS = ['Arrive and assess', 'Do the work', 'Test', 'Customer sign-off'];

export function NewWorkOrder(): ReactNode {
  const db = useDatabase();
  const me = useMe();
  const { region } = useRegion();
  const notify = useNotify();
  const customers = useQuery<CustomerDoc>('Customer', (q) => q.filtered('region == $0', region).sorted('name'), [region]);
  const [title, setTitle] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [priority, setPriority] = useState(2);
  const [due, setDue] = useState(() => dateInputValue(new Date(Date.now() + 86_400_000)));
  const [description, setDescription] = useState('');
  const customer = customers.find((c) => c._id.toHexString() === customerId) ?? customers[0];

  const [problem, setProblem] = useState<string>();

  async function create(e: FormEvent) {
    e.preventDefault();
    if (!customer) return;
    // `required` lets spaces through: a job needs a title a person can read.
    if (title.trim() === '') {
      setProblem('Give the job a title (spaces alone are not one).');
      return;
    }
    setProblem(undefined);
    const _id = new ObjectId();
    const write = db.write((tx) =>
      tx.create<WorkOrderDoc>('WorkOrder', {
        _id,
        code: newWorkOrderCode(_id),
        title: title.trim(),
        description: description.trim(),
        status: 'open',
        priority,
        region,
        assigneeId: me.id,
        customerId: customer._id,
        customerName: customer.name,
        site: customer.address,
        dueAt: fromDateInput(due) ?? new Date(),
        createdAt: new Date(),
        completedAt: null,
        tasks: DEFAULT_TASKS.map((t) => ({ title: t, done: false, doneAt: null, doneBy: null })),
        parts: [],
        notes: [],
      }),
    );
    try {
      await write;
      navigate({ name: 'workOrder', id: _id.toHexString() });
    } catch (err) {
      notify({ key: 'new-job', tone: 'error', text: `Could not create the job: ${(err as Error).message}` });
    }
  }

  return (
    <section className="detail">
      <a href="#/mine">← My jobs</a>
      <h2>New job in {regionName(region)}</h2>
      {customers.length === 0 ? (
        <p className="empty">No customers of {regionName(region)} on this device yet.</p>
      ) : (
        <form className="stack" onSubmit={create} data-testid="new-wo-form">
          <label>
            Title
            <input name="title" required maxLength={LIMITS.title} value={title} onChange={(e) => (setTitle(e.target.value), setProblem(undefined))} placeholder="What needs doing?" />
          </label>
          {(problem ?? limitMessage(title, LIMITS.title)) && (
            <small className="limit" role="status" data-testid="new-wo-problem">
              {problem ?? limitMessage(title, LIMITS.title)}
            </small>
          )}
          <label>
            Customer
            <select name="customer" value={customer?._id.toHexString()} onChange={(e) => setCustomerId(e.target.value)}>
              {customers.map((c) => (
                <option key={c._id.toHexString()} value={c._id.toHexString()}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <div className="grid-2">
            <label>
              Priority
              <select name="priority" value={priority} onChange={(e) => setPriority(Number(e.target.value))}>
                {[1, 2, 3].map((p) => (
                  <option key={p} value={p}>
                    {PRIORITY_LABEL[p]}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Due
              <input type="date" name="due" required value={due} onChange={(e) => setDue(e.target.value)} />
            </label>
          </div>
          <label>
            Description
            <textarea name="description" rows={3} maxLength={LIMITS.description} value={description} onChange={(e) => setDescription(e.target.value)} />
          </label>
          <button type="submit" className="primary">
            Create job
          </button>
        </form>
      )}
    </section>
  );
}
