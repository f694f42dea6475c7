import { memo, type ReactNode } from 'react';
import type { Snapshot } from 'outpost';
import { PRIORITY_LABEL, STATUS_LABEL } from '../shared/catalog.ts';
import { dueLabel } from '../shared/format.ts';
import type { WorkOrderDoc } from '../shared/schema.ts';
import { hrefOf } from './route.ts';

/*
 * A list of work orders. Rows are memoized: a live query keeps the identity of objects that did
 * not change, so one edited work order re-renders one row.
 */

interface RowProps {
  readonly wo: Snapshot<WorkOrderDoc>;
  readonly assignee?: string;
}

const Row = memo(function Row({ wo, assignee }: RowProps): ReactNode {
  const done = wo.tasks.filter((t) => t.done).length;
  const late = wo.status !== 'done' && wo.dueAt.getTime() < Date.now();
  return (
    <li>
      <a className={`wo-row priority-${wo.priority}`} href={hrefOf({ name: 'workOrder', id: wo._id.toHexString() })} data-testid="wo-row" data-code={wo.code}>
        <span className="wo-main">
          <span className="wo-title">
            <span className="wo-code">{wo.code}</span> {wo.title}
          </span>
          <span className="wo-sub">
            {wo.customerName}
            {wo.site ? ` · ${wo.site.city}` : ''}
            {assignee ? ` · ${assignee}` : ''}
          </span>
        </span>
        <span className="wo-meta">
          <span className={`pill status-${wo.status}`}>{STATUS_LABEL[wo.status]}</span>
          <span className={late ? 'late' : 'muted'}>{wo.status === 'done' ? 'completed' : dueLabel(wo.dueAt)}</span>
          <span className="muted">
            {wo.tasks.length > 0 ? `${done}/${wo.tasks.length} tasks` : 'no tasks'}
            {wo.priority === 3 ? ` · ${PRIORITY_LABEL[3]}` : ''}
          </span>
        </span>
      </a>
    </li>
  );
});

export function WorkOrderList({ items, empty, assigneeOf }: { items: readonly Snapshot<WorkOrderDoc>[]; empty: string; assigneeOf?: (wo: WorkOrderDoc) => string }): ReactNode {
  if (items.length === 0) return <p className="empty">{empty}</p>;
  return (
    <ul className="wo-list">
      {items.map((wo) => (
        <Row key={wo._id.toHexString()} wo={wo} {...(assigneeOf ? { assignee: assigneeOf(wo) } : {})} />
      ))}
    </ul>
  );
}
