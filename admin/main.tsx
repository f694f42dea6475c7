import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, logIn, logOut, resume } from './api.ts';
import { Conflicts } from './Conflicts.tsx';
import { History } from './History.tsx';
import { Metrics } from './Metrics.tsx';
import { People } from './People.tsx';
import { RulesPage } from './Rules.tsx';
import { Sessions } from './Sessions.tsx';
import './styles.css';

/*
 * The operator's dashboard: a login with the admin key (a session cookie and a CSRF token, see
 * src/server/http/admin-session.ts), then live sessions, the conflict journal, users and keys,
 * rules with a dry run, compaction, and charts of the server's metrics over the last hour. Every page reads the admin API.
 */

const PAGES = { sessions: 'Sessions', metrics: 'Metrics', conflicts: 'Conflicts', history: 'History', people: 'Users & keys', rules: 'Schema & rules', compaction: 'Compaction' } as const;
type Page = keyof typeof PAGES;

function pageFromPath(): Page {
  const p = location.pathname.replace(/^\/admin\/?/, '') as Page;
  return p in PAGES ? p : 'sessions';
}

function Compaction() {
  const [result, setResult] = useState<string>();
  const run = async () => {
    try {
      const r = await api.post<{ retired: number; removed: number; firstVersion: number }>('/sync/compact');
      setResult(`Removed ${r.removed} history entries; ${r.retired} client files retired (offline too long); the history starts at version ${r.firstVersion}.`);
    } catch (e) {
      setResult((e as Error).message);
    }
  };
  return (
    <section>
      <h2>Compaction</h2>
      <p className="muted">Drops the history every live client file has moved past, and retires files offline longer than the configured limit.</p>
      <button onClick={() => void run()}>Compact now</button>
      {result && <p className="notice">{result}</p>}
    </section>
  );
}

function Login({ onDone }: { onDone: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string>();
  return (
    <form
      className="login"
      onSubmit={(e) => {
        e.preventDefault();
        logIn(key).then(onDone, (err: Error) => setError(err.message));
      }}
    >
      <h1>Outpost dashboard</h1>
      <label>
        Admin key
        <input type="password" autoComplete="current-password" value={key} onChange={(e) => setKey(e.target.value)} />
      </label>
      <button type="submit">Log in</button>
      {error && <p className="error">{error}</p>}
    </form>
  );
}

function Dashboard() {
  const [state, setState] = useState<'checking' | 'out' | 'in'>('checking');
  const [page, setPage] = useState<Page>(pageFromPath);
  useEffect(() => {
    void resume().then((ok) => setState(ok ? 'in' : 'out'));
    const back = () => setPage(pageFromPath());
    addEventListener('popstate', back);
    return () => removeEventListener('popstate', back);
  }, []);
  if (state === 'checking') return null;
  if (state === 'out') return <Login onDone={() => setState('in')} />;
  const go = (p: Page) => {
    history.pushState(null, '', `/admin/${p}`);
    setPage(p);
  };
  return (
    <>
      <header>
        <strong>Outpost</strong>
        <nav>
          {(Object.keys(PAGES) as Page[]).map((p) => (
            <button key={p} className={p === page ? 'active' : ''} onClick={() => go(p)}>
              {PAGES[p]}
            </button>
          ))}
        </nav>
        <button className="link" onClick={() => void logOut().then(() => setState('out'))}>
          Log out
        </button>
      </header>
      <main>
        {page === 'sessions' && <Sessions />}
        {page === 'metrics' && <Metrics />}
        {page === 'conflicts' && <Conflicts />}
        {page === 'history' && <History />}
        {page === 'people' && <People />}
        {page === 'rules' && <RulesPage />}
        {page === 'compaction' && <Compaction />}
      </main>
    </>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <Dashboard />
  </StrictMode>,
);
