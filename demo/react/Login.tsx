import { useState, type FormEvent, type ReactNode } from 'react';
import { Credentials } from 'outpost';
import { useAuth } from 'outpost/react';
import { DEMO_PASSWORD, TECHNICIANS } from '../shared/accounts.ts';
import { regionName } from '../shared/catalog.ts';

/*
 * Log in with email and password, create an account, or try the app as a guest (an anonymous
 * user). The seeded technicians are listed so a first-time visitor can get in with one click.
 */


function message(error: Error): string {
  const code = (error as Error & { code?: string }).code;
  if (code === 'invalid_credentials') return 'That email and password do not match an account.';
  if (code === 'user_exists') return 'An account with that email exists already: log in instead.';
  if (code === 'rate_limited') return 'Too many attempts. Wait a few minutes and try again.';
  if (code === 'offline') return 'Cannot reach the server. Logging in needs a connection (after that the app works offline).';
  return error.message;
}

export function Login(): ReactNode {
  const { logIn, register, pending, error } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [creating, setCreating] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (creating && !(await register(email, password))) return;
    await logIn(Credentials.emailPassword(email, password));
  }

  return (
    <main className="login">
      <div className="login-card">
        <img src="/icons/icon-192.png" alt="" width="64" height="64" />
        <h1>Field Service</h1>
        <p className="muted">Work orders that keep working in the basement.</p>
        <form onSubmit={submit}>
          <label>
            Email
            <input type="email" name="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>
            Password
            <input
              type="password"
              name="password"
              autoComplete={creating ? 'new-password' : 'current-password'}
              required
              minLength={8}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          {error && (
            <p className="form-error" role="alert">
              {message(error)}
            </p>
          )}
          <button type="submit" className="primary" disabled={pending}>
            {creating ? 'Create account' : 'Log in'}
          </button>
        </form>
        <button type="button" className="link" onClick={() => setCreating(!creating)}>
          {creating ? 'I have an account' : 'Create an account'}
        </button>
        <div className="demo-logins">
          <p className="muted">Demo technicians (password “{DEMO_PASSWORD}”):</p>
          {TECHNICIANS.map((d) => (
            <button
              key={d.email}
              type="button"
              disabled={pending}
              onClick={() => {
                setEmail(d.email);
                setPassword(d.password);
                void logIn(Credentials.emailPassword(d.email, d.password));
              }}
            >
              {d.name} <span className="muted">· {regionName(d.region)} and {regionName(d.coverRegion)}</span>
            </button>
          ))}
          <button type="button" className="ghost" disabled={pending} onClick={() => void logIn(Credentials.anonymous())}>
            Try it without an account
          </button>
        </div>
      </div>
    </main>
  );
}
