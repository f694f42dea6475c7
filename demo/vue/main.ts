import { createApp } from 'vue';
import { App as OutpostApp } from 'outpost';
import { createOutpost } from 'outpost/vue';
import { registerServiceWorker } from '../shared/offline.ts';
import { APP_ID } from '../shared/schema.ts';
import BoardPage from './BoardPage.vue';
import '../styles.css';

/*
 * The job board on the Vue binding: the same App (users live in localStorage, shared with the
 * React app on this origin) and the same local database, so it shows what the main app holds and
 * shares its sync connection when both are open.
 */
const app = new OutpostApp({ baseUrl: location.origin, appId: APP_ID });

createApp(BoardPage).use(createOutpost({ app })).mount('#app');
registerServiceWorker();
