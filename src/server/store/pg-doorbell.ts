import pg from 'pg';

/**
 * A dedicated PostgreSQL connection that LISTENs on the doorbell channel. Notifications carry no
 * data: each one only makes the store read the latest version. When the connection drops it
 * reconnects with backoff (100 ms doubling to 5 s) and rings once afterwards, since
 * notifications sent while it was away are lost.
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
    private readonly ring: () => void,
    private readonly onError: (err: Error) => void,
  ) {}

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
      if (n.channel === this.channel) this.ring();
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    this.client = client;
    this.connects++;
    this.backoffMs = 100;
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
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.removeAllListeners();
      c.on('error', () => {});
      await c.end().catch(() => {});
    }
  }
}
