import type { User } from 'outpost';
import { ObjectId } from 'outpost';
import { REGIONS } from './catalog.ts';
import type { WorkOrderDoc } from './schema.ts';

/*
 * What the app needs to know about the logged-in person, read from the user's profile (its
 * custom data is what the server's roles read, see outpost.config.json). The profile is kept with
 * the user in localStorage, so all of this works offline too.
 */

export interface Person {
  readonly id: string;
  readonly name: string;
  readonly technician: boolean;
  /** Regions whose pool and customers the person may work with; guests may browse all. */
  readonly regions: readonly string[];
}

export function personOf(user: User): Person {
  const data = user.profile.customData as { role?: unknown; name?: unknown; region?: unknown; coverRegion?: unknown };
  const technician = data.role === 'technician';
  const regions = technician ? [data.region, data.coverRegion].filter((r): r is string => typeof r === 'string') : REGIONS.map((r) => r.id);
  const name = typeof data.name === 'string' ? data.name : (user.profile.email ?? 'Guest');
  return { id: user.id, name, technician, regions };
}

/**
 * Whether the server will accept this person's edits of a work order: the client-side mirror of
 * the WorkOrder write rules. The server decides; this only keeps the form from offering edits that
 * would be reverted.
 */
export function canEdit(wo: Pick<WorkOrderDoc, 'assigneeId' | 'region'>, me: Person): boolean {
  if (wo.assigneeId === me.id) return true;
  return me.technician && wo.assigneeId === null && me.regions.includes(wo.region);
}

/** A short code for a work order created on this device (no server round trip needed to name it). */
export function newWorkOrderCode(id: ObjectId): string {
  return `WO-${id.toHexString().slice(-6).toUpperCase()}`;
}

/** The remembered region of a person on this device, if it is still one they may use. */
export function rememberedRegion(me: Person): string {
  const saved = localStorage.getItem(`field-service:region:${me.id}`);
  return saved !== null && me.regions.includes(saved) ? saved : (me.regions[0] ?? REGIONS[0]!.id);
}

export function rememberRegion(me: Person, region: string): void {
  localStorage.setItem(`field-service:region:${me.id}`, region);
}
