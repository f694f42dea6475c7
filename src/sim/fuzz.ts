import { ObjectState, type Instruction } from '../changeset/index.ts';
import { SimClient } from './client.ts';
import { checkOracle, type RecordedOp } from './oracle.ts';
import { Random } from './random.ts';
import { SERVER_ORIGIN, SimServer, type Download, type UploadEntry } from './server.ts';
import { Workload, fuzzSchema, type GeneratedOp } from './workload.ts';

/*
 * One seeded convergence scenario: 2 to 8 clients and the reference server, random writes,
 * random interleaving of uploads and downloads over a network that duplicates, reorders and
 * drops messages, disconnects with re-send from the acknowledged cursor, and clocks skewed by
 * minutes both ways. At quiescence every client must equal the server, and the oracle must
 * agree with the server's state.
 */

type Up = { kind: 'bind'; ident: number | undefined; cursor: number } | { kind: 'upload'; entries: UploadEntry[] };
type DownMsg = { kind: 'ident'; ident: number } | { kind: 'download'; download: Download };

interface Peer {
  readonly index: number;
  readonly client: SimClient;
  readonly workload: Workload;
  connected: boolean;
  epoch: number;
  /** Server side of the connection: bound, and how far downloads were sent. */
  bound: boolean;
  boundIdent: number;
  sentTo: number;
  up: { epoch: number; msg: Up }[];
  down: { epoch: number; msg: DownMsg }[];
  /** Highest version of every replica this client has integrated (for the oracle). */
  seen: Map<number, number>;
  localVersion: number;
}

export interface ScenarioResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly stats: { clients: number; steps: number; changesets: number; history: number; reconnects: number };
}

export interface ScenarioOptions {
  steps?: number;
}

export function runScenario(seed: number, options: ScenarioOptions = {}): ScenarioResult {
  const rng = new Random(seed);
  const clients = 2 + rng.int(7);
  const steps = options.steps ?? 150 + rng.int(250);
  let time = Date.UTC(2026, 5, 1);
  const problems: string[] = [];
  const server = new SimServer(fuzzSchema, () => time, 10 * 60_000);
  const serverWorkload = new Workload(rng, 'S');
  const recorded: RecordedOp[] = [];
  const replicaOfFile = new Map<number, number>([[SERVER_ORIGIN, -1]]);
  const fileOfReplica = new Map<number, number>([[-1, SERVER_ORIGIN]]);
  let serverVersionCount = 0;
  let changesets = 0;
  let reconnects = 0;

  const peers: Peer[] = [];
  for (let index = 0; index < clients; index++) {
    const skew = (rng.next() * 2 - 1) * 5 * 60_000; // up to five minutes either way
    const client = new SimClient(fuzzSchema, () => time + skew);
    peers.push({
      index,
      client,
      workload: new Workload(rng, 'c' + index),
      connected: false,
      epoch: 0,
      bound: false,
      boundIdent: 0,
      sentTo: 0,
      up: [],
      down: [],
      seen: new Map(),
      localVersion: 0,
    });
  }

  const record = (ops: GeneratedOp[], replica: number, version: number, timestamp: number, seen: Map<number, number>) => {
    ops.forEach((g, index) => {
      if (g.intent) recorded.push({ intent: g.intent, replica, version, index, timestamp, seen: new Map(seen) });
    });
  };

  const disconnect = (p: Peer) => {
    p.connected = false;
    p.bound = false;
    p.up = [];
    p.down = [];
  };

  const connect = (p: Peer) => {
    p.connected = true;
    p.epoch++;
    reconnects++;
    p.up.push({ epoch: p.epoch, msg: { kind: 'bind', ident: p.client.fileIdent, cursor: p.client.cursor.server } });
    if (p.client.fileIdent !== undefined) sendUploads(p, p.client.pendingUploads());
  };

  const sendUploads = (p: Peer, entries: UploadEntry[]) => {
    if (p.connected && p.client.fileIdent !== undefined && entries.length > 0) {
      p.up.push({ epoch: p.epoch, msg: { kind: 'upload', entries } });
    }
  };

  const pushDownloads = () => {
    for (const p of peers) {
      if (!p.connected || !p.bound) continue;
      if (p.sentTo === server.version && rng.bool(0.7)) continue;
      p.down.push({ epoch: p.epoch, msg: { kind: 'download', download: server.download(p.boundIdent, p.sentTo) } });
      p.sentTo = server.version;
    }
  };

  const serverReceive = (p: Peer, msg: Up) => {
    if (msg.kind === 'bind') {
      if (p.bound) throw new Error('protocol: bind twice on one connection');
      let ident = msg.ident;
      if (ident === undefined) {
        ident = server.allocateFile();
        replicaOfFile.set(ident, p.index);
        fileOfReplica.set(p.index, ident);
        p.down.push({ epoch: p.epoch, msg: { kind: 'ident', ident } });
      }
      p.bound = true;
      p.boundIdent = ident;
      p.sentTo = msg.cursor;
      p.down.push({ epoch: p.epoch, msg: { kind: 'download', download: server.download(ident, msg.cursor) } });
      p.sentTo = server.version;
      return;
    }
    if (!p.bound) throw new Error('upload before bind');
    server.upload(p.boundIdent, msg.entries);
    pushDownloads();
  };

  const clientReceive = (p: Peer, msg: DownMsg) => {
    if (msg.kind === 'ident') {
      p.client.identify(msg.ident);
      sendUploads(p, p.client.pendingUploads());
      return;
    }
    for (const e of p.client.receive(msg.download)) {
      const replica = replicaOfFile.get(e.origin)!;
      p.seen.set(replica, Math.max(p.seen.get(replica) ?? 0, e.originVersion));
    }
  };

  /** Delivers one message of a queue: usually the oldest, sometimes another (reordering). */
  const deliver = <T>(p: Peer, queue: { epoch: number; msg: T }[], handle: (m: T) => void, faults: boolean) => {
    if (queue.length === 0) return;
    const at = faults && rng.bool(0.15) ? rng.int(queue.length) : 0;
    const item = queue[at]!;
    if (faults && rng.bool(0.05)) {
      queue.splice(at, 1); // dropped
      return;
    }
    if (!(faults && rng.bool(0.08))) queue.splice(at, 1); // else duplicated: it stays queued
    if (item.epoch !== p.epoch || !p.connected) return; // from a closed connection
    try {
      handle(item.msg);
    } catch (err) {
      if (err instanceof Error && /gap|before bind|bad base|protocol/.test(err.message)) disconnect(p); // protocol error: the connection closes
      else throw err;
    }
  };

  const clientWrite = (p: Peer) => {
    const scratch = p.client.state.clone();
    const ops = p.workload.transaction(scratch);
    const instructions: Instruction[] = ops.map((g) => g.instruction);
    const seen = new Map(p.seen);
    seen.set(p.index, p.localVersion);
    const { clientVersion, changeset } = p.client.write(instructions);
    p.localVersion = clientVersion;
    changesets++;
    record(ops, p.index, clientVersion, changeset.timestamp, seen);
    sendUploads(p, [p.client.pendingUploads().at(-1)!]);
  };

  const serverWrite = () => {
    const scratch = server.state.clone();
    const ops = serverWorkload.transaction(scratch);
    const seen = new Map<number, number>();
    for (const h of server.history) {
      const r = replicaOfFile.get(h.origin)!;
      seen.set(r, Math.max(seen.get(r) ?? 0, h.originVersion));
    }
    const cs = server.write(ops.map((g) => g.instruction));
    serverVersionCount++;
    changesets++;
    record(ops, -1, serverVersionCount, cs.timestamp, seen);
    pushDownloads();
  };

  try {
    for (let step = 0; step < steps; step++) {
      time += rng.int(2000);
      const p = rng.pick(peers);
      const roll = rng.int(100);
      if (roll < 30) clientWrite(p);
      else if (roll < 52) deliver(p, p.up, (m) => serverReceive(p, m), true);
      else if (roll < 80) deliver(p, p.down, (m) => clientReceive(p, m), true);
      else if (roll < 84) disconnect(p);
      else if (roll < 95) {
        if (!p.connected) connect(p);
      } else if (roll < 98) serverWrite();
      else pushDownloads();
    }
    // Quiescence: a reliable network, everyone reconnects and drains.
    for (const p of peers) {
      disconnect(p);
      connect(p);
    }
    for (let guard = 0; guard < 100_000; guard++) {
      const busy = peers.filter((p) => p.up.length > 0 || p.down.length > 0);
      if (busy.length === 0) break;
      const p = rng.pick(busy);
      if (p.up.length > 0 && (p.down.length === 0 || rng.bool())) deliver(p, p.up, (m) => serverReceive(p, m), false);
      else deliver(p, p.down, (m) => clientReceive(p, m), false);
    }
    for (const p of peers) {
      if (p.client.local.length > 0) problems.push(`client ${p.index}: ${p.client.local.length} changesets never acknowledged`);
      if (!p.client.state.equals(server.state)) {
        problems.push(`client ${p.index} differs from the server:\n  client ${JSON.stringify(p.client.state.toCanonical())}\n  server ${JSON.stringify(server.state.toCanonical())}`);
      }
    }
    if (problems.length === 0) {
      const originOf = (replica: number) => fileOfReplica.get(replica) ?? 0;
      problems.push(...checkOracle(recorded, server.state, originOf));
    }
  } catch (err) {
    problems.push(`error: ${(err as Error).stack ?? String(err)}`);
  }
  void ObjectState;
  return {
    seed,
    ok: problems.length === 0,
    problems,
    stats: { clients, steps, changesets, history: server.version, reconnects },
  };
}
