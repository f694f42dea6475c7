import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { api, logIn, logOut, resume } from './api.ts';
import { ClientFiles } from './ClientFiles.tsx';
import { Conflicts } from './Conflicts.tsx';
import { History } from './History.tsx';
import { Metrics } from './Metrics.tsx';
import { People } from './People.tsx';
import { RulesPage } from './Rules.tsx';
import { Sessions } from './Sessions.tsx';
import './styles.css';

/*
 * The operator's dashboard: a login with the admin key or as an admin user (a session cookie and
 * a CSRF token, see src/server/http/admin-session.ts), then live sessions of every node, client
 * files, the conflict journal, users and keys,
 * rules with a dry run, compaction, and charts of the server's metrics over the last hour. Every page reads the admin API.
 */

const PAGES = { sessions: 'Sessions', files: 'Client files', metrics: 'Metrics', conflicts: 'Conflicts', history: 'History', people: 'Users & keys', rules: 'Schema & rules', compaction: 'Compaction' } as const;
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

/** The admin key, or the email and password of a user with the admin role. */
function Login({ onDone }: { onDone: () => void }) {
  const [mode, setMode] = useState<'key' | 'user'>('key');
  const [key, setKey] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  return (
    <form
      className="login"
      onSubmit={(e) => {
        e.preventDefault();
        logIn(mode === 'key' ? { key } : { email, password }).then(onDone, (err: Error) => setError(err.message));
      }}
    >
      <h1>Outpost dashboard</h1>
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'key'} className={mode === 'key' ? 'active' : ''} onClick={() => setMode('key')}>
          With the admin key
        </button>
        <button type="button" role="tab" aria-selected={mode === 'user'} className={mode === 'user' ? 'active' : ''} onClick={() => setMode('user')}>
          As an admin user
        </button>
      </div>
      {mode === 'key' ? (
        <label>
          Admin key
          <input type="password" autoComplete="current-password" value={key} onChange={(e) => setKey(e.target.value)} />
        </label>
      ) : (
        <>
          <label>
            Email
            <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>
            Password
            <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
          </label>
        </>
      )}
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
        {page === 'files' && <ClientFiles />}
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
