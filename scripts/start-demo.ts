import { join } from 'node:path';
import { TECHNICIANS } from '../demo/shared/accounts.ts';
import { main, type RunningServer } from '../src/server/main.ts';

/*
 * `npm start`'s server: the Outpost server (the same entry as bin/outpost-server.js, with the same
 * flags: --config, --port, --store) that, once it listens, says in plain words where to go and
 * how to log in: to the demo, and to the operator's dashboard.
 */

/** Where the admin key is: the key itself is not printed (it would end up in terminal logs). */
function adminKeyHint(server: RunningServer): string {
  if (server.adminKey === undefined) return 'no admin key is configured: set OUTPOST_ADMIN_KEY (32+ characters) to use the dashboard';
  if (server.config.adminKey !== undefined) return 'log in with the admin key from your configuration (adminKey / OUTPOST_ADMIN_KEY)';
  if (server.config.store.kind === 'sqlite') return `log in with the admin key generated for development: cat ${join(server.config.store.dir, 'admin-key')}`;
  return 'log in with the admin key generated for development (the dev.adminKey setting in the store)';
}

await main({
  banner: (server, address) =>
    [
      '',
      `Demo:      ${address} — log in as`,
      ...TECHNICIANS.map((t) => `  ${t.email} / ${t.password}   (${t.name}, region ${t.region})`),
      `  or press "Try it without an account". The Vue job board is at ${address}/vue.html.`,
      `Dashboard: ${address}/admin — ${adminKeyHint(server)}`,
      `  or as a user with the admin role (adminUsers in the config, or Make admin on its Users page).`,
      'Stop with Ctrl+C. Another port: npm start -- --port 8081',
      '',
      '',
    ].join('\n'),
});
