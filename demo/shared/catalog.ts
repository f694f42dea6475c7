/*
 * Fixed reference data the app ships with: the service regions and the parts van stock. They
 * change with a release, not at run time, so they are code rather than synced objects.
 */

export interface Region {
  readonly id: string;
  readonly name: string;
}

export const REGIONS: readonly Region[] = [
  { id: 'north', name: 'North' },
  { id: 'central', name: 'Central' },
  { id: 'south', name: 'South' },
];

export function regionName(id: string): string {
  return REGIONS.find((r) => r.id === id)?.name ?? id;
}

export interface Part {
  readonly sku: string;
  readonly name: string;
}

export const PARTS: readonly Part[] = [
  { sku: 'VLV-15', name: 'Ball valve 15 mm' },
  { sku: 'VLV-22', name: 'Ball valve 22 mm' },
  { sku: 'SEAL-K', name: 'Seal kit' },
  { sku: 'FLT-G4', name: 'Air filter G4' },
  { sku: 'THERM-1', name: 'Room thermostat' },
  { sku: 'PUMP-25', name: 'Circulation pump 25/60' },
  { sku: 'IGN-2', name: 'Ignition electrode' },
  { sku: 'FUSE-5', name: 'Fuse 5 A' },
];

export const STATUS_LABEL: Readonly<Record<string, string>> = {
  open: 'Open',
  in_progress: 'In progress',
  done: 'Done',
};

export const PRIORITY_LABEL: Readonly<Record<number, string>> = { 1: 'Low', 2: 'Normal', 3: 'Urgent' };
