import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.ts';

/*
 * The migration from Realm end to end, in Debian's Chromium: an App Services export and an
 * Extended JSON dump through `outpost import-app` and `outpost import-data` into a real server
 * process, and the Realm template app's model in the browser against it.
 * Run: npx playwright test -c e2e/migrate/playwright.config.ts
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/migrate',
  timeout: 180_000,
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
