import { createContext, createElement, useContext, useEffect, useState, type ReactNode } from 'react';
import { App, OutpostError, type AppConfig, type Database, type OpenConfig, type SyncConfig, type User } from '../client/index.ts';
import { useObservable } from './observable.ts';

/*
 * Providers: the App, the logged-in user (or a fallback such as a login screen), and an open
 * Database for that user. They hold no logic of their own: the client does the work.
 */

const AppContext = createContext<App | null>(null);
const UserContext = createContext<User | null>(null);
const DatabaseContext = createContext<Database | null>(null);

export interface AppProviderProps {
  /** An App, or the configuration to create one. */
  readonly app?: App;
  readonly config?: AppConfig;
  readonly children?: ReactNode;
}

export function AppProvider(props: AppProviderProps): ReactNode {
  const [app] = useState(() => props.app ?? new App(props.config!));
  return createElement(AppContext.Provider, { value: app }, props.children);
}

export function useApp(): App {
  const app = useContext(AppContext);
  if (!app) throw new OutpostError('internal', 'useApp must be used inside <AppProvider>');
  return app;
}

export interface UserProviderProps {
  /** Rendered when no user is logged in (a login screen). */
  readonly fallback?: ReactNode | (() => ReactNode);
  readonly children?: ReactNode;
}

/** Renders its children with the current user, or `fallback` while nobody is logged in. */
export function UserProvider(props: UserProviderProps): ReactNode {
  const app = useApp();
  const user = useObservable(() => app.currentUser$, [app], app.currentUser);
  if (!user) return typeof props.fallback === 'function' ? (props.fallback as () => ReactNode)() : (props.fallback ?? null);
  return createElement(UserContext.Provider, { value: user }, props.children);
}

/** The current user (inside <UserProvider>). */
export function useUser(): User {
  const user = useContext(UserContext);
  if (!user) throw new OutpostError('internal', 'useUser must be used inside <UserProvider>');
  return user;
}

export interface DatabaseProviderProps extends Omit<OpenConfig, 'sync'> {
  /** Sync options; the user is the one of the enclosing <UserProvider>. Omit for a local database. */
  readonly sync?: Omit<SyncConfig, 'user'> | false;
  /** An already open database instead of opening one. */
  readonly database?: Database;
  /** Rendered while the database opens. */
  readonly fallback?: ReactNode;
  /** Rendered when opening fails. */
  readonly errorFallback?: (error: Error) => ReactNode;
  readonly children?: ReactNode;
}

/** Opens a database for the current user and provides it; closes it on unmount or user change. */
export function DatabaseProvider(props: DatabaseProviderProps): ReactNode {
  const app = useApp();
  const user = useContext(UserContext);
  const [state, setState] = useState<{ db: Database | null; error: Error | null }>({ db: props.database ?? null, error: null });
  useEffect(() => {
    if (props.database) {
      setState({ db: props.database, error: null });
      return;
    }
    let cancelled = false;
    let opened: Database | null = null;
    const sync = props.sync === false || props.sync === undefined ? undefined : { ...props.sync, ...(user ? { user } : {}) };
    app
      .open({ schema: props.schema, ...(sync ? { sync } : {}), ...(props.name ? { name: props.name } : {}) })
      .then((db) => {
        opened = db;
        if (cancelled) void db.close();
        else setState({ db, error: null });
      })
      .catch((error: Error) => {
        if (!cancelled) setState({ db: null, error });
      });
    return () => {
      cancelled = true;
      if (opened) void opened.close();
      setState({ db: null, error: null });
    };
    // The schema and options are read when the provider mounts (or the user changes).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [app, user, props.database]);
  if (state.error) return props.errorFallback ? props.errorFallback(state.error) : null;
  if (!state.db) return props.fallback ?? null;
  return createElement(DatabaseContext.Provider, { value: state.db }, props.children);
}

export function useDatabase(): Database {
  const db = useContext(DatabaseContext);
  if (!db) throw new OutpostError('internal', 'useDatabase must be used inside <DatabaseProvider>');
  return db;
}
