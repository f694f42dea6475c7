import pg from 'pg';

/**
 * A dedicated PostgreSQL connection that LISTENs on the doorbell channel. Notifications carry no
 * data: each one only makes the store read the latest version. When the connection drops it
 * reconnects with backoff (100 ms doubling to 5 s) and rings once afterwards, since
 * notifications sent while it was away are lost.
 *
 * An idle LISTEN connection can die without a reset (a NAT or load balancer forgets the flow, a
 * partition black-holes it): it would then wait forever while notifications go nowhere. A
 * heartbeat query every `heartbeatMs` that must answer within `heartbeatMs` finds that out.
 */
export class Doorbell {
  private client: pg.Client | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = 100;
  /** How many times the listener connection was established (for tests and logs). */
  connects = 0;

  constructor(
    private readonly config: pg.ClientConfig,
    readonly channel: string,
    /** Called with a notification's payload (the store's doorbell ignores it), and with none after a reconnect. */
    private readonly ring: (payload?: string) => void,
    private readonly onError: (err: Error) => void,
    private readonly heartbeatMs = 10_000,
  ) {}
  private heartbeat: NodeJS.Timeout | undefined;

  /** The backend pid of the listening connection (tests terminate it to simulate a drop). */
  get listenerPid(): number | undefined {
    return (this.client as unknown as { processID?: number } | undefined)?.processID;
  }

  start(): Promise<void> {
    return this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ ...this.config, application_name: 'outpost-doorbell' });
    let failure: Error | undefined;
    client.on('error', (err) => (failure = err));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      client.end().catch(() => {});
      throw failure ?? err;
    }
    if (this.stopped) {
      await client.end().catch(() => {});
      return;
    }
    client.removeAllListeners('error');
    client.on('notification', (n) => {
      if (n.channel === this.channel) this.ring(n.payload);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    this.client = client;
    this.connects++;
    this.backoffMs = 100;
    this.beat(client);
  }

  private beat(client: pg.Client): void {
    clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => {
      if (this.stopped || client !== this.client) return;
      client.query({ text: 'SELECT 1', query_timeout: this.heartbeatMs } as pg.QueryConfig).then(
        () => this.beat(client),
        (err: Error) => this.lost(client, new Error(`the doorbell's heartbeat failed: ${err.message}`)),
      );
    }, this.heartbeatMs);
    this.heartbeat.unref?.();
  }

  private lost(client: pg.Client, err?: Error): void {
    if (this.stopped || client !== this.client) return;
    this.client = undefined;
    if (err) this.onError(err);
    client.removeAllListeners();
    client.on('error', () => {});
    client.end().catch(() => {});
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.connect().then(
        () => this.ring(),
        (err: Error) => {
          this.onError(err);
          this.backoffMs = Math.min(this.backoffMs * 2, 5000);
          this.schedule();
        },
      );
    }, this.backoffMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    clearTimeout(this.heartbeat);
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  }
}
