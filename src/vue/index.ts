/**
 * Vue bindings for Outpost: a plugin that provides the App (and optionally a Database), and
 * composables returning refs. Subscriptions to the client's observables end with the effect
 * scope (onScopeDispose).
 */
export { createOutpost, provideDatabase, useApp, useDatabase, OutpostKey, DatabaseKey, type OutpostPluginOptions } from './plugin.ts';
export { useAuth, useConflicts, useObject, useQuery, useSubscription, useSyncState, useUser, type VueAuth, type VueConflicts, type VueSubscription, type VueSyncState } from './composables.ts';
