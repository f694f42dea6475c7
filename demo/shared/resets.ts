import type { ClientResetConfig, ClientResetDetails } from 'outpost';
import type { Notice } from './notices.ts';

/*
 * Client resets (the server restored from a backup, the device offline longer than the server
 * keeps history, access changed): the library replaces the local copy with a fresh one and replays
 * the changes that never reached the server where it can. The callbacks are configured when the
 * database opens, before any component listens, so they leave their notices here; one that
 * arrives while nobody listens waits for the first listener (as the library does with errors).
 */

const waiting: Notice[] = [];
let listener: ((notice: Notice) => void) | null = null;

function post(notice: Notice): void {
  if (listener) listener(notice);
  else waiting.push(notice);
}

/** Receives reset notices (and any that arrived before); returns how to stop. */
export function onResetNotice(fn: (notice: Notice) => void): () => void {
  listener = fn;
  for (const n of waiting.splice(0)) fn(n);
  return () => {
    if (listener === fn) listener = null;
  };
}

function changes(n: number): string {
  return n === 1 ? '1 change' : `${n} changes`;
}

function afterReset(d: ClientResetDetails): Notice {
  const fresh = "This device's copy of your data was replaced with a fresh one from the server";
  const n = d.unsynced ?? 0;
  const lost = `Your ${changes(n)} that had not reached the server`;
  const text =
    n === 0
      ? `${fresh}. Nothing was lost.`
      : d.mode === 'recover'
        ? `${fresh}. ${lost} ${n === 1 ? 'was' : 'were'} applied again.`
        : `${fresh}. ${lost} could not be kept.`;
  return { key: 'client-reset', tone: d.mode === 'recover' || n === 0 ? 'info' : 'warning', text };
}

/** Recover local changes when possible, else discard them; tell the person either way. */
export const clientReset: ClientResetConfig = {
  mode: 'recoverOrDiscard',
  onAfter: (_before, _after, details) => post(afterReset(details)),
  onFallback: (_error, { pendingChanges }) =>
    post({
      key: 'client-reset',
      tone: 'error',
      text: `Sync has stopped: this device's copy of your data has to be replaced and that could not be done automatically. ${pendingChanges > 0 ? `Your ${changes(pendingChanges)} not yet on the server ${pendingChanges === 1 ? 'is' : 'are'} still on this device. ` : ''}Log out and in again to start over.`,
    }),
};
