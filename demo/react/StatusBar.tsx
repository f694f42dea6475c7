import { useSyncExternalStore, type ReactNode } from 'react';
import { useObservable, useSyncState } from 'outpost/react';
import { isOfflineReady, offlineReady$ } from '../shared/offline.ts';
import { useRegion } from './session.tsx';

/*
 * Connection, pending uploads and download progress in one line. "Offline" is what the browser
 * says (navigator.onLine) or what the sync session says (no socket), whichever is worse: the
 * browser can be online while the server is unreachable.
 */

function subscribeOnline(onChange: () => void): () => void {
  window.addEventListener('online', onChange);
  window.addEventListener('offline', onChange);
  return () => {
    window.removeEventListener('online', onChange);
    window.removeEventListener('offline', onChange);
  };
}

function useBrowserOnline(): boolean {
  return useSyncExternalStore(subscribeOnline, () => navigator.onLine);
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function StatusBar(): ReactNode {
  const { connectionState, pendingUploads, progress, isLeader } = useSyncState();
  const browserOnline = useBrowserOnline();
  const offlineReady = useObservable(() => offlineReady$, [], isOfflineReady());
  const { subscriptionState } = useRegion();

  const online = browserOnline && connectionState === 'connected';
  const state = online ? 'online' : connectionState === 'connecting' && browserOnline ? 'connecting' : 'offline';
  const downloading = online && progress.downloadable > progress.downloaded;
  const bootstrapping = online && subscriptionState !== 'complete' && subscriptionState !== 'error';

  let detail: string;
  if (pendingUploads > 0) detail = online ? `uploading ${plural(pendingUploads, 'change', 'changes')}…` : `${plural(pendingUploads, 'change', 'changes')} waiting to upload`;
  else if (bootstrapping || downloading) detail = 'downloading…';
  else if (online) detail = 'all changes synced';
  else detail = 'all changes saved on this device';

  const label = state === 'online' ? 'Online' : state === 'connecting' ? 'Connecting' : 'Offline';
  const percent = progress.downloadable > 0 ? Math.min(100, Math.round((progress.downloaded / progress.downloadable) * 100)) : 100;
  return (
    <div className="status-bar" data-testid="status-bar" data-state={state} data-pending={pendingUploads} role="status">
      <span className="status-dot" aria-hidden="true" />
      <span data-testid="status-label">{label}</span>
      <span className="status-detail" data-testid="status-detail">
        · {detail}
      </span>
      {subscriptionState === 'error' && <span className="status-error"> · a subscription was refused</span>}
      <span className="status-flags">
        {offlineReady && (
          <span className="flag" data-testid="offline-ready" title="This app opens without a network connection">
            works offline
          </span>
        )}
        {!isLeader && (
          <span className="flag" title="Another tab of this app holds the connection and syncs for this one">
            synced via another tab
          </span>
        )}
      </span>
      {downloading && <span className="status-progress" style={{ width: `${percent}%` }} aria-hidden="true" />}
    </div>
  );
}
