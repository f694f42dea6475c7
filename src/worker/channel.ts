import type { ClientResetMode, ConflictInfo, ConnectionState, Result, SubscriptionSetInfo, SyncErrorInfo, SyncProgress, TransactRequest } from '../worker-api/api.ts';

/*
 * What the workers of one database (one per tab) tell each other over a BroadcastChannel. Change
 * notices carry keys, not records: a receiver re-reads them from IndexedDB, so notices arriving
 * in any order still leave it with the latest committed state.
 */
export type TabMessage =
  /** Objects committed by the sender (null keys: too many, re-run queries on these types). */
  | { readonly kind: 'changes'; readonly keys: readonly [string, string][] | null; readonly types: readonly string[] }
  /** New local changesets in the shared history: the sync leader uploads them. */
  | { readonly kind: 'history' }
  /** The leader's connection state and progress, for the other tabs' observers. */
  | { readonly kind: 'state'; readonly connection: ConnectionState; readonly progress: SyncProgress | null }
  /** Subscription sets changed (new set, or state change). */
  | { readonly kind: 'subscriptions'; readonly sets: readonly SubscriptionSetInfo[] | null }
  | { readonly kind: 'markRequest'; readonly id: string }
  | { readonly kind: 'markDone'; readonly id: string }
  | { readonly kind: 'control'; readonly action: 'pause' | 'resume' | 'online' }
  | { readonly kind: 'syncError'; readonly error: SyncErrorInfo }
  | { readonly kind: 'identity'; readonly fileIdent: number }
  /** The leader's list of the user's conflicts; and a follower's dismissal for the leader to send. */
  | { readonly kind: 'conflicts'; readonly entries: readonly ConflictInfo[] }
  | { readonly kind: 'dismissConflicts'; readonly ids: readonly number[] }
  /** A (new) leader took the socket: followers re-send their pending requests. */
  | { readonly kind: 'leader' }
  /** A tab opened: the leader answers with its state. */
  | { readonly kind: 'hello' }
  /** A serialized transaction or a client reset asked for in a tab that does not hold the socket. */
  | { readonly kind: 'transact'; readonly id: string; readonly request: TransactRequest }
  | { readonly kind: 'transactDone'; readonly id: string; readonly result: Result<{ serverVersion: number }> }
  | { readonly kind: 'resetRequest'; readonly id: string; readonly mode: ClientResetMode }
  | { readonly kind: 'resetDone'; readonly id: string; readonly result: Result<null> };

export interface ChannelLike {
  postMessage(m: TabMessage): void;
  close(): void;
  onmessage: ((ev: { data: TabMessage }) => void) | null;
}

export type ChannelFactory = (name: string) => ChannelLike;

export function defaultChannels(): ChannelFactory {
  return (name) => {
    const BC = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike & { unref?: () => void } }).BroadcastChannel;
    if (!BC) return { postMessage() {}, close() {}, onmessage: null };
    const ch = new BC(name);
    // Node: a channel must not keep the process alive on its own.
    ch.unref?.();
    return ch;
  };
}
