import { createApp } from 'vue';
import { App } from 'outpost';
import { createOutpost } from 'outpost/vue';
import Root from './Root.vue';

// The sync server: the page's own origin (the server serves this build), or VITE_OUTPOST_URL.
const app = new App({ baseUrl: import.meta.env.VITE_OUTPOST_URL ?? location.origin, appId: 'examples' });
createApp(Root).use(createOutpost({ app })).mount('#app');
