import { useState, type ReactNode } from 'react';
import { useQuery } from 'outpost/react';
import { regionName } from '../shared/catalog.ts';
import type { WorkOrderDoc } from '../shared/schema.ts';
import { useMe, useRegion } from './session.tsx';
import { assigneeLabel, useTechnicians } from './technicians.ts';
import { WorkOrderList } from './WorkOrderList.tsx';

/* The two work-order screens: my jobs, and the board of the region I am looking at. */

export function MyJobs(): ReactNode {
  const me = useMe();
  const { subscriptionState } = useRegion();
  const [showDone, setShowDone] = useState(false);
  const open = useQuery<WorkOrderDoc>('WorkOrder', (q) => q.filtered('assigneeId == $0 AND status != $1', me.id, 'done').sorted('dueAt'), [me.id]);
  const done = useQuery<WorkOrderDoc>('WorkOrder', (q) => q.filtered('assigneeId == $0 AND status == $1', me.id, 'done').sorted('completedAt', true), [me.id]);
  return (
    <section>
      <h2>
        My jobs <span className="count">{open.length}</span>
      </h2>
      <WorkOrderList
        items={open}
        empty={
          // Before the first download is complete, an empty list means "not here yet", not "none".
          subscriptionState !== 'complete' && subscriptionState !== 'error'
            ? 'Downloading your jobs…'
            : me.technician
              ? 'Nothing assigned to you. Claim a job from the region board.'
              : 'No jobs yet. Create one with “New job”.'
        }
      />
      <button type="button" className="link" onClick={() => setShowDone(!showDone)}>
        {showDone ? 'Hide' : 'Show'} completed ({done.length})
      </button>
      {showDone && <WorkOrderList items={done.slice(0, 50)} empty="Nothing completed yet." />}
    </section>
  );
}

export function RegionBoard(): ReactNode {
  const me = useMe();
  const { region, subscriptionState } = useRegion();
  const technicians = useTechnicians();
  const active = useQuery<WorkOrderDoc>('WorkOrder', (q) => q.filtered('region == $0 AND status != $1', region, 'done').sorted('dueAt'), [region]);
  const pool = active.filter((wo) => wo.assigneeId === null);
  const assigned = active.filter((wo) => wo.assigneeId !== null);
  const loading = active.length === 0 && subscriptionState !== 'complete';
  return (
    <section>
      <h2>
        Unassigned in {regionName(region)} <span className="count">{pool.length}</span>
      </h2>
      {!me.regions.includes(region) && <p className="hint">You can look at this region, but only technicians covering it can take its jobs.</p>}
      <WorkOrderList items={pool} empty={loading ? 'Downloading the region’s jobs…' : 'No unassigned jobs. Nice.'} />
      <h2>
        Assigned in {regionName(region)} <span className="count">{assigned.length}</span>
      </h2>
      <WorkOrderList items={assigned} empty={loading ? 'Downloading…' : 'None.'} assigneeOf={(wo) => assigneeLabel(wo.assigneeId, me.id, technicians)} />
    </section>
  );
}
