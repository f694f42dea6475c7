import type { ChannelLike, TabMessage } from './channel.ts';

/*
 * The typed side of the BroadcastChannel between the workers of one database: each part of the
 * worker (leadership, sync status, conflicts, the host's data) subscribes to the message kinds it
 * handles, instead of one switch knowing them all. A handler's error is reported, not thrown
 * (a message from another tab must not break this one).
 */

type Handler<K extends TabMessage['kind']> = (m: Extract<TabMessage, { kind: K }>) => void | Promise<void>;

export class TabBus {
  private channel: ChannelLike | undefined;
  private readonly handlers = new Map<TabMessage['kind'], Handler<TabMessage['kind']>[]>();

  /**
   * @param active false once the worker's database is closed (or before it opened): messages are ignored.
   * @param onError a handler failed.
   */
  constructor(
    private readonly active: () => boolean,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Handles every message of one kind (handlers of a kind run in the order they subscribed). */
  on<K extends TabMessage['kind']>(kind: K, handler: Handler<K>): void {
    const list = this.handlers.get(kind) ?? [];
    list.push(handler as unknown as Handler<TabMessage['kind']>);
    this.handlers.set(kind, list);
  }

  /** Starts listening on the database's channel (messages posted before go nowhere). */
  connect(channel: ChannelLike): void {
    this.channel = channel;
    channel.onmessage = (ev) => void this.dispatch(ev.data);
  }

  post(m: TabMessage): void {
    try {
      this.channel?.postMessage(m);
    } catch {
      // closed
    }
  }

  close(): void {
    try {
      this.channel?.close();
    } catch {
      // already closed
    }
  }

  private async dispatch(m: TabMessage): Promise<void> {
    if (!this.active()) return;
    try {
      for (const handler of this.handlers.get(m.kind) ?? []) await handler(m);
    } catch (err) {
      this.onError(err);
    }
  }
}
