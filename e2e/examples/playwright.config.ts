import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium.ts';

/*
 * The examples, installed from the packed package and built (scripts/examples-test.ts prepares
 * them and runs this), against real Outpost server processes, in Debian's Chromium.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  outputDir: '../../test-results/examples',
  timeout: 90_000,
  fullyParallel: false,
  workers: 1,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: chromiumLaunchOptions,
    screenshot: 'only-on-failure',
    // No traces: the tests open extra browser contexts, whose trace files raced on this shared machine.
    trace: 'off',
  },
});
