/*
 * The demo's technician accounts. The seed script creates them (scripts/seed-demo.ts) and the
 * login screen offers them, so a first-time visitor gets in with one click. Demo data only: a
 * real deployment creates users through the admin API and has no such list in its bundle.
 */

export interface DemoTechnician {
  readonly email: string;
  readonly password: string;
  readonly name: string;
  /** The home region and the neighbouring one the technician covers (the roles in outpost.config.json read both). */
  readonly region: string;
  readonly coverRegion: string;
}

export const DEMO_PASSWORD = 'fieldwork';

export const TECHNICIANS: readonly DemoTechnician[] = [
  { email: 'ana@example.com', password: DEMO_PASSWORD, name: 'Ana Lima', region: 'north', coverRegion: 'central' },
  { email: 'ben@example.com', password: DEMO_PASSWORD, name: 'Ben Okafor', region: 'south', coverRegion: 'central' },
];
