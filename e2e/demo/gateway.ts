import { connect, createServer, type Server, type Socket } from 'node:net';

/*
 * A device's network: a TCP relay between one browser context and the server. `cut()` drops every
 * open connection and refuses new ones, like walking into a basement; `restore()` lets them
 * through again.
 *
 * Why not only `context.setOffline(true)`: Chromium's offline emulation fails new requests and
 * flips `navigator.onLine`, but leaves an already open WebSocket (here, the Outpost worker's)
 * working. The tests use both: the emulation for what the page sees, the relay for the socket.
 */
export class Gateway {
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private open = true;
  private listeningPort = 0;

  private constructor(private readonly upstreamPort: number) {
    this.server = createServer((client) => this.relay(client));
  }

  static async start(upstreamPort: number): Promise<Gateway> {
    const gateway = new Gateway(upstreamPort);
    await new Promise<void>((resolve, reject) => {
      gateway.server.once('error', reject);
      gateway.server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = gateway.server.address();
    if (typeof address !== 'object' || address === null) throw new Error('the gateway has no port');
    gateway.listeningPort = address.port;
    return gateway;
  }

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private relay(client: Socket): void {
    if (!this.open) {
      client.destroy();
      return;
    }
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => {
        this.sockets.delete(s);
        end();
      });
      // A reset on one side ends the other: that is what a lost network looks like to both.
      s.on('error', end);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  restore(): void {
    this.open = true;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
