import type { ServerStore } from '../store/types.ts';
import type { RolesConfig } from './load.ts';

/** The roles in force: those set through the admin API (stored) win over the configured ones. */
export async function currentRules(store: ServerStore, configured: RolesConfig): Promise<RolesConfig> {
  const stored = await store.getSetting('rules');
  return (stored as RolesConfig | undefined) ?? configured;
}
