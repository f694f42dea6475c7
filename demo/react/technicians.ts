import { useMemo } from 'react';
import { useSubscription } from 'outpost/react';
import type { TechnicianDoc } from '../shared/schema.ts';

/*
 * Every technician's public card, to show who holds a job. Held as a flexible-sync subscription
 * while the app runs; `keep` leaves it in place when the component unmounts, so another tab of
 * the same person (which shares the subscriptions) never loses it.
 */
const OPTIONS = { name: 'technicians', keep: true } as const;

export function useTechnicians(): ReadonlyMap<string, TechnicianDoc> {
  const { results } = useSubscription<TechnicianDoc>('Technician', undefined, [], OPTIONS);
  return useMemo(() => new Map(results.map((t) => [t._id, t])), [results]);
}

export function assigneeLabel(assigneeId: string | null, meId: string, technicians: ReadonlyMap<string, TechnicianDoc>): string {
  if (assigneeId === null) return 'Unassigned';
  if (assigneeId === meId) return 'You';
  return technicians.get(assigneeId)?.name ?? 'Another technician';
}
