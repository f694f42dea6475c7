/// <reference types="vite/client" />

// Vue single-file components, compiled by @vitejs/plugin-vue; tsc sees them through this shape.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
