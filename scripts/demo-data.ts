import { createHash } from 'node:crypto';
import { ObjectId } from '../src/client/index.ts';
import { TECHNICIANS } from '../demo/shared/accounts.ts';
import { PARTS } from '../demo/shared/catalog.ts';
import { prng } from '../src/sim/random.ts';

/*
 * The demo's dataset, generated deterministically (a fixed pseudo-random sequence and primary
 * keys derived from names), so seeding twice produces the same objects and the seed script can
 * insert only what is missing. Node only (the seed script); the app never imports it.
 */

/** A primary key derived from a stable name: the same object gets the same key on every seed. */
export function stableId(name: string): ObjectId {
  return new ObjectId(createHash('sha256').update(`outpost-demo:${name}`).digest().subarray(0, 12));
}

const CUSTOMERS: Readonly<Record<string, readonly [name: string, contact: string, street: string, city: string][]>> = {
  north: [
    ['Harbour Bakery', 'Mia Sørensen', '4 Quay Street', 'Northport'],
    ['Fjord View Hotel', 'Lars Berg', '18 Cliff Road', 'Northport'],
    ['Pine Hill School', 'Ingrid Dahl', '2 School Lane', 'Pinewood'],
    ['Northport Library', 'Erik Holm', '1 Market Square', 'Northport'],
    ['Birch Court Apartments', 'Sara Lund', '33 Birch Court', 'Pinewood'],
    ['Aurora Fitness', 'Jonas Vik', '9 Mill Road', 'Northport'],
    ['St. Olaf Care Home', 'Hanna Moe', '12 Chapel Walk', 'Kirkby'],
    ['Kirkby Dental', 'Oskar Eng', '5 High Street', 'Kirkby'],
    ['Glacier Brewing Co.', 'Nora Strand', '70 Dock Road', 'Northport'],
    ['Tundra Outdoor Store', 'Emil Foss', '21 Station Road', 'Pinewood'],
  ],
  central: [
    ['City Hall Annex', 'Grace Patel', '10 Civic Plaza', 'Midvale'],
    ['Central Station Café', 'Tom Becker', 'Platform 1', 'Midvale'],
    ['Riverside Clinic', 'Amira Haddad', '44 River Walk', 'Midvale'],
    ['Oakwood Primary', 'Daniel Price', '8 Oak Avenue', 'Oakwood'],
    ['The Grand Cinema', 'Lucy Chen', '60 Broad Street', 'Midvale'],
    ['Greenway Offices', 'Marco Rossi', '3 Greenway', 'Oakwood'],
    ['Maple Leaf Deli', 'Priya Nair', '15 Maple Row', 'Midvale'],
    ['Midvale Pool', 'Sam Okoro', '2 Park Drive', 'Midvale'],
    ['Copper Kettle Pub', 'Fiona Walsh', '27 Church Street', 'Oakwood'],
    ['Summit Co-working', 'Hugo Martin', '90 Tower Road', 'Midvale'],
  ],
  south: [
    ['Seaside Surf Shop', 'Kai Mendes', '1 Beach Road', 'Southsea'],
    ['Lighthouse Restaurant', 'Rosa Lopez', '55 Point Road', 'Southsea'],
    ['Southsea Sports Hall', 'Owen Hughes', '7 Stadium Way', 'Southsea'],
    ['Palm Court Residences', 'Leila Karimi', '12 Palm Court', 'Bayford'],
    ['Bayford Vets', 'Ian Murray', '40 Harbour Lane', 'Bayford'],
    ['Sunrise Nursery', 'Chloe Adams', '6 Daisy Close', 'Bayford'],
    ['Dune Hotel & Spa', 'Victor Silva', '101 Esplanade', 'Southsea'],
    ['Marina Boatyard', 'Ellie Ward', 'Marina Quay', 'Bayford'],
    ['Coral Bay Aquarium', 'Ravi Shah', '3 Coral Way', 'Southsea'],
    ['Southsea Town Museum', 'Agnes Reid', '22 Museum Street', 'Southsea'],
  ],
};

const JOBS: readonly { title: string; problem: string; tasks: readonly string[]; parts: readonly string[] }[] = [
  {
    title: 'Annual boiler service',
    problem: 'Yearly service due; the customer reports the boiler is louder than usual.',
    tasks: ['Isolate gas and power', 'Inspect heat exchanger', 'Clean burner and electrodes', 'Check flue gas readings', 'Test safety devices', 'Customer sign-off'],
    parts: ['SEAL-K', 'IGN-2'],
  },
  {
    title: 'Replace leaking valve',
    problem: 'Water dripping under the kitchen sink; the isolation valve does not close fully.',
    tasks: ['Shut off the water main', 'Drain the section', 'Replace the valve', 'Pressure test', 'Clean up'],
    parts: ['VLV-15', 'VLV-22', 'SEAL-K'],
  },
  {
    title: 'Thermostat not responding',
    problem: 'The heating does not react to the room thermostat since last week.',
    tasks: ['Check wiring', 'Check fuse', 'Recalibrate thermostat', 'Run a heating cycle'],
    parts: ['THERM-1', 'FUSE-5'],
  },
  {
    title: 'Ventilation filter change',
    problem: 'Scheduled filter replacement on the air handling unit.',
    tasks: ['Switch off the unit', 'Replace filters', 'Inspect the fan', 'Log airflow readings'],
    parts: ['FLT-G4'],
  },
  {
    title: 'Circulation pump noise',
    problem: 'Grinding noise from the plant room, worse in the morning.',
    tasks: ['Bleed the system', 'Check pump speed setting', 'Replace pump if worn', 'Test for noise'],
    parts: ['PUMP-25', 'SEAL-K'],
  },
  {
    title: 'No hot water',
    problem: 'Heating works but taps run cold.',
    tasks: ['Check system pressure', 'Check the diverter valve', 'Test ignition', 'Run the hot water test'],
    parts: ['IGN-2', 'VLV-15'],
  },
];

const NOTES = [
  'Customer prefers visits before noon.',
  'Park in the loading bay at the back.',
  'Ask for the site manager at reception.',
  'Dog on the premises; friendly.',
];

export interface CustomerSeed {
  readonly _id: ObjectId;
  readonly name: string;
  readonly region: string;
  readonly contact: string;
  readonly phone: string;
  readonly address: { street: string; city: string; postcode: string };
  readonly accessNotes: string;
}

export function customers(): CustomerSeed[] {
  const out: CustomerSeed[] = [];
  let n = 0;
  for (const [region, list] of Object.entries(CUSTOMERS)) {
    for (const [name, contact, street, city] of list) {
      n++;
      out.push({
        _id: stableId(`customer:${name}`),
        name,
        region,
        contact,
        phone: `+44 20 7946 ${String(100 + n).padStart(4, '0')}`,
        address: { street, city, postcode: `${region.slice(0, 2).toUpperCase()}${n} ${(n * 7) % 10}AB` },
        accessNotes: n % 3 === 0 ? `Gate code ${1000 + n * 37}` : n % 3 === 1 ? 'Key at reception' : '',
      });
    }
  }
  return out;
}

/**
 * The work orders: `count` of them over the three regions. In a region a technician covers, about
 * two thirds are assigned to a technician and the rest wait in the region's pool (unassigned).
 * `assignees` maps a technician's email to the user id the server gave them.
 */
export function workOrders(count: number, assignees: ReadonlyMap<string, string>, now: Date): Record<string, unknown>[] {
  const random = prng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const all = customers();
  const regions = Object.keys(CUSTOMERS);
  const day = 86_400_000;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const code = `WO-${1001 + i}`;
    const region = regions[i % regions.length]!;
    const customer = pick(all.filter((c) => c.region === region));
    const job = pick(JOBS);
    const covering = TECHNICIANS.filter((t) => t.region === region || t.coverRegion === region);
    const assignee = random() < 0.65 && covering.length > 0 ? pick(covering) : null;
    const r = random();
    // Jobs in a region's pool have not been started: someone takes them first.
    const status = !assignee || r < 0.55 ? 'open' : r < 0.75 ? 'in_progress' : 'done';
    const dueAt = new Date(now.getTime() + Math.round((random() * 21 - 7) * day));
    const createdAt = new Date(dueAt.getTime() - Math.round((3 + random() * 10) * day));
    const doneCount = status === 'done' ? job.tasks.length : status === 'in_progress' ? Math.ceil(job.tasks.length / 2) : 0;
    const doneBy = assignee?.name ?? null;
    out.push({
      _id: stableId(`workorder:${code}`),
      code,
      title: job.title,
      description: job.problem,
      status,
      priority: 1 + Math.floor(random() * 3),
      region,
      assigneeId: assignee ? (assignees.get(assignee.email) ?? null) : null,
      customerId: customer._id,
      customerName: customer.name,
      site: customer.address,
      dueAt,
      createdAt,
      completedAt: status === 'done' ? new Date(dueAt.getTime() - day / 4) : null,
      tasks: job.tasks.map((title, k) => ({
        title,
        done: k < doneCount,
        doneAt: k < doneCount ? new Date(createdAt.getTime() + day) : null,
        doneBy: k < doneCount ? doneBy : null,
      })),
      parts:
        status === 'open'
          ? []
          : job.parts.slice(0, 1 + Math.floor(random() * job.parts.length)).map((sku) => ({ sku, name: PARTS.find((p) => p.sku === sku)!.name, qty: 1 + Math.floor(random() * 2) })),
      notes: random() < 0.3 ? [{ text: pick(NOTES), author: 'Dispatch', authorId: 'dispatch', at: createdAt }] : [],
    });
  }
  return out;
}
