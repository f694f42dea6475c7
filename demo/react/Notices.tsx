import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useDatabase } from 'outpost/react';
import { describeSyncError, type Notice } from '../shared/notices.ts';
import { onResetNotice } from '../shared/resets.ts';
import { useMe } from './session.tsx';

/*
 * Notices: writes the server undid (compensating writes), a reset of the local copy, an ended
 * session, and the app's own problems. They stay until dismissed: a technician may look at the
 * screen minutes later.
 */

interface NoticeState {
  readonly notices: readonly Notice[];
  notify(notice: Notice): void;
  dismiss(key: string): void;
}

const NoticeContext = createContext<NoticeState | null>(null);

export function NoticesProvider({ children }: { children: ReactNode }): ReactNode {
  const db = useDatabase();
  const me = useMe();
  const [notices, setNotices] = useState<readonly Notice[]>([]);
  // A newer notice about the same thing replaces the older one.
  const notify = useCallback((n: Notice) => setNotices((current) => [...current.filter((c) => c.key !== n.key), n]), []);
  const dismiss = useCallback((key: string) => setNotices((current) => current.filter((c) => c.key !== key)), []);

  useEffect(() => {
    let live = true;
    const sub = db.errors$.subscribe((err) => {
      // For whoever opens the console: the status bar shows reconnects, not their cause.
      console.warn(`sync: ${err.code} (${err.action}): ${err.message}`);
      void describeSyncError(err, db, me).then((added) => {
        if (live) added.forEach(notify);
      });
    });
    const stopResets = onResetNotice(notify);
    return () => {
      live = false;
      sub.unsubscribe();
      stopResets();
    };
  }, [db, me, notify]);

  const value = useMemo(() => ({ notices, notify, dismiss }), [notices, notify, dismiss]);
  return <NoticeContext.Provider value={value}>{children}</NoticeContext.Provider>;
}

function useNotices(): NoticeState {
  const state = useContext(NoticeContext);
  if (!state) throw new Error('notices need <NoticesProvider>');
  return state;
}

/** Shows a notice from anywhere in the app. */
export function useNotify(): (notice: Notice) => void {
  return useNotices().notify;
}

export function Notices(): ReactNode {
  const { notices, dismiss } = useNotices();
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <div key={n.key} className={`notice notice-${n.tone}`} data-testid="notice">
          <p>{n.text}</p>
          <button type="button" className="link" onClick={() => dismiss(n.key)} aria-label="Dismiss">
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
