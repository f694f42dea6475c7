import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.ts';

/*
 * Browser tests of the client in Debian's Chromium (Playwright's own browser download does not
 * work here). Run: npx playwright test -c e2e/client/playwright.config.ts
 * A failing test leaves a screenshot and a trace under test-results/client.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/client',
  globalSetup: './global-setup.ts',
  timeout: 60_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: chromiumLaunchOptions,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
