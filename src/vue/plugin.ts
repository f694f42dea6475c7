import { inject, provide, shallowRef, isRef, type App as VueApp, type InjectionKey, type Plugin, type Ref, type ShallowRef } from 'vue';
import { OutpostError, type App, type Database } from '../client/index.ts';

export const OutpostKey: InjectionKey<App> = Symbol('outpost.app');
export const DatabaseKey: InjectionKey<ShallowRef<Database | null>> = Symbol('outpost.database');

export interface OutpostPluginOptions {
  readonly app: App;
  /** A database every component can use (else provide one with provideDatabase in a component). */
  readonly database?: Database | Ref<Database | null>;
}

/** `createApp(Root).use(createOutpost({ app, database }))` */
export function createOutpost(options: OutpostPluginOptions): Plugin {
  return {
    install(vue: VueApp) {
      vue.provide(OutpostKey, options.app);
      if (options.database) vue.provide(DatabaseKey, isRef(options.database) ? (options.database as ShallowRef<Database | null>) : shallowRef(options.database));
    },
  };
}

/** Provides a database to this component's descendants (e.g. after opening it for the logged-in user). */
export function provideDatabase(db: Database | Ref<Database | null>): void {
  provide(DatabaseKey, isRef(db) ? (db as ShallowRef<Database | null>) : shallowRef(db));
}

export function useApp(): App {
  const app = inject(OutpostKey, null);
  if (!app) throw new OutpostError('internal', 'useApp needs the Outpost plugin (app.use(createOutpost({ app })))');
  return app;
}

export function useDatabase(): Database {
  const db = inject(DatabaseKey, null)?.value;
  if (!db) throw new OutpostError('internal', 'useDatabase needs a database: createOutpost({ database }) or provideDatabase(db)');
  return db;
}
