import type { CompensatingWrite, Database, SyncError } from 'outpost';
import { regionName } from './catalog.ts';
import type { Person } from './session.ts';
import type { CustomerDoc, TechnicianDoc, WorkOrderDoc } from './schema.ts';

/*
 * Sync errors in words a technician understands. The server names each rejected write by object
 * and a technical reason ("permission_denied: write permission denied for this WorkOrder (role
 * technician)"); the person wants to know which job and why, e.g. "it is assigned to Ben Okafor".
 * The why is in the data as the server has it now, so the notice is worded after the download
 * that carries the server's revert has been applied.
 */

export interface Notice {
  /** Notices with the same key replace each other (one per object, not one per rejected change). */
  readonly key: string;
  readonly tone: 'info' | 'warning' | 'error';
  readonly text: string;
}

async function one<T>(db: Database, type: string, pk: unknown): Promise<T | null> {
  const found = await db.objects<T>(type).filtered('_id == $0', pk).toArray();
  return found[0] ?? null;
}

async function technicianName(db: Database, id: string, me: Person): Promise<string> {
  if (id === me.id) return 'you';
  return (await one<TechnicianDoc>(db, 'Technician', id))?.name ?? 'another technician';
}

async function workOrderNotice(db: Database, write: CompensatingWrite, me: Person): Promise<string> {
  const wo = await one<WorkOrderDoc>(db, 'WorkOrder', write.pk);
  if (!wo) return 'Your change to a work order was undone: it is no longer assigned to you or in your regions, so it was removed from this device.';
  const what = `Your change to work order ${wo.code} was undone`;
  if (wo.assigneeId !== null && wo.assigneeId !== me.id) return `${what}: it is assigned to ${await technicianName(db, wo.assigneeId, me)}.`;
  if (wo.assigneeId === null && !me.regions.includes(wo.region)) return `${what}: it belongs to the ${regionName(wo.region)} region, which you do not cover.`;
  if (write.reason.startsWith('write_outside_view')) return `${what}: it is outside the work orders this device syncs.`;
  return `${what}: you are not allowed to make that change.`;
}

async function customerNotice(db: Database, write: CompensatingWrite): Promise<string> {
  const c = await one<CustomerDoc>(db, 'Customer', write.pk);
  const name = c ? `customer ${c.name}` : 'a customer';
  if (write.reason.includes('is not writable')) return `Your change to ${name} was undone: names and regions of customers are managed by the office.`;
  return `Your change to ${name} was undone: you can only edit customers in your regions.`;
}

/** Turns one sync error into notices (none for errors the status bar already shows). */
export async function describeSyncError(err: SyncError, db: Database, me: Person): Promise<Notice[]> {
  if (err.code === 'compensating_write') {
    // The revert was appended to the history right after this upload: wait until it is here.
    await db.sync.waitForDownload({ timeoutMs: 10_000 }).catch(() => {});
    const seen = new Set<string>();
    const out: Notice[] = [];
    for (const w of err.compensatingWrites) {
      const key = `${w.type}:${String(w.pk)}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const text =
        w.type === 'WorkOrder'
          ? await workOrderNotice(db, w, me)
          : w.type === 'Customer'
            ? await customerNotice(db, w)
            : `Your change to a ${w.type} was undone by the server.`;
      out.push({ key, tone: 'warning', text });
    }
    return out;
  }
  switch (err.action) {
    case 'retry':
    case 'none':
      // Dropped connections and warnings: the status bar shows the connection; nothing to act on.
      return [];
    case 'client_reset':
    case 'client_reset_no_recovery': {
      const lost = typeof err.details?.lostUploads === 'number' ? err.details.lostUploads : 0;
      const text =
        lost > 0
          ? `This device's copy of your data was reset and ${lost} change(s) that had not reached the server were lost. Your data is being downloaded again.`
          : "This device's copy of your data was reset. Your data is being downloaded again.";
      return [{ key: 'client-reset', tone: 'error', text }];
    }
    case 'log_out':
      return [{ key: 'log-out', tone: 'error', text: 'Your session has ended. Log out and log in again to keep syncing.' }];
    default:
      return [{ key: `sync:${err.code}`, tone: 'error', text: `Sync has stopped: ${err.message}. Your changes are kept on this device.` }];
  }
}
