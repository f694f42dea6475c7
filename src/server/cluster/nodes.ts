import { hostname } from 'node:os';
import type { MetricsSample } from '../metrics-history.ts';
import type { LiveSessionInfo } from '../sync/engine.ts';

/*
 * What the operator's dashboard sees of every server node sharing a store: their live sessions,
 * their metrics, and a way to end a session wherever it runs. One node (SQLite, memory) needs no
 * more than its own process (LocalNodes); several nodes on one PostgreSQL database publish their
 * sessions and metrics there and hear disconnect requests by NOTIFY (pg-nodes.ts).
 */

export interface NodeSessionInfo extends LiveSessionInfo {
  /** The node that serves the session. */
  readonly node: string;
}

export interface NodeMetrics {
  readonly node: string;
  readonly samples: readonly MetricsSample[];
}

/** This node's own parts the view reads and acts on. */
export interface LocalNode {
  /** Live sessions on this node. */
  sessions(): LiveSessionInfo[];
  /** Ends this node's sessions of a client file; returns how many. */
  disconnect(clientFile: number): number;
  /** This node's metrics over the last hour. */
  samples(): readonly MetricsSample[];
}

export interface NodesView {
  readonly nodeId: string;
  /** Live sessions of every live node, with their node. */
  sessions(): Promise<NodeSessionInfo[]>;
  /** The last hour of metrics of every live node (this one first). */
  metrics(): Promise<NodeMetrics[]>;
  /**
   * Ends the sessions of a client file: on `node` only, or on every node when it is not given.
   * Returns how many ended here and which other nodes were asked (they end theirs when they hear it).
   */
  disconnect(clientFile: number, node?: string): Promise<{ readonly ended: number; readonly asked: readonly string[] }>;
  /** The node that served each of these client files last (live now, or as last published). */
  lastNodes(idents: readonly number[]): Promise<Map<number, string>>;
  /** A metrics sample was taken on this node. */
  published(sample: MetricsSample): void;
  close(): Promise<void>;
}

/** A node name: configured (`nodeId`, OUTPOST_NODE_ID) or the host name and process id. */
export function defaultNodeId(): string {
  return `${hostname()}:${process.pid}`;
}

/** The view of a server that is the only node of its store. */
export class LocalNodes implements NodesView {
  /** Client file → node, for files seen since this process started (there is only this node). */
  private readonly seen = new Set<number>();

  constructor(
    readonly nodeId: string,
    private readonly local: LocalNode,
  ) {}

  async sessions(): Promise<NodeSessionInfo[]> {
    const out = this.local.sessions().map((s) => ({ ...s, node: this.nodeId }));
    for (const s of out) this.seen.add(s.clientFile);
    return out;
  }

  async metrics(): Promise<NodeMetrics[]> {
    return [{ node: this.nodeId, samples: this.local.samples() }];
  }

  async disconnect(clientFile: number, node?: string): Promise<{ ended: number; asked: string[] }> {
    if (node !== undefined && node !== this.nodeId) return { ended: 0, asked: [] };
    return { ended: this.local.disconnect(clientFile), asked: [] };
  }

  async lastNodes(idents: readonly number[]): Promise<Map<number, string>> {
    for (const s of this.local.sessions()) this.seen.add(s.clientFile);
    return new Map(idents.filter((i) => this.seen.has(i)).map((i) => [i, this.nodeId]));
  }

  published(): void {}

  async close(): Promise<void> {}
}
