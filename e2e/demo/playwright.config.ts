import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.ts';

/*
 * End-to-end tests of the field-service demo: the built app served by a real Outpost server
 * process (its own port, a copy of a seeded data directory), in Debian's Chromium (Playwright's
 * own browser download does not work here).
 *
 *   npx playwright test -c e2e/demo/playwright.config.ts
 *
 * A failing test leaves a screenshot, a trace and the server's log under test-results/demo.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/demo',
  globalSetup: './global-setup.ts',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  // Every test starts its own server; two at a time keeps the run short without starving them.
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 412, height: 915 },
    launchOptions: chromiumLaunchOptions,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
