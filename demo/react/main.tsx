import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AppProvider } from 'outpost/react';
import { registerServiceWorker } from '../shared/offline.ts';
import { APP_ID } from '../shared/schema.ts';
import { App } from './App.tsx';
import '../styles.css';

// The server that serves the app is its sync server: same origin, no CORS, one port.
const config = { baseUrl: location.origin, appId: APP_ID };

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AppProvider config={config}>
      <App />
    </AppProvider>
  </StrictMode>,
);

registerServiceWorker();
