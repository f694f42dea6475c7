/** React bindings for Outpost: providers and hooks over the framework-free client. */
export { AppProvider, DatabaseProvider, UserProvider, useApp, useDatabase, useUser, type AppProviderProps, type DatabaseProviderProps, type UserProviderProps } from './providers.ts';
export { useAuth, useConflicts, useObject, useQuery, useSubscription, useSyncState, type AuthState, type ConflictsState, type SubscriptionStatus, type SyncState } from './hooks.ts';
export { useObservable } from './observable.ts';
