import { TECHNICIANS } from '../demo/shared/accounts.ts';
import { main } from '../src/server/main.ts';

/*
 * `npm start`'s server: the Outpost server (the same entry as bin/outpost-server.js, with the same
 * flags: --config, --port, --store) that, once it listens, says in plain words where to go and
 * how to log in to the demo.
 */
await main({
  banner: (_server, address) =>
    [
      '',
      `Open ${address} — log in as`,
      ...TECHNICIANS.map((t) => `  ${t.email} / ${t.password}   (${t.name}, region ${t.region})`),
      `or press "Try it without an account". The Vue job board is at ${address}/vue.html.`,
      'Stop with Ctrl+C. Another port: npm start -- --port 8081',
      '',
      '',
    ].join('\n'),
});
