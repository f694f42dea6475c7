/*
 * How every Playwright suite launches Debian's Chromium (Playwright's own browser download does
 * not work on these machines): one definition for the client, demo and examples configurations.
 */
export const chromiumLaunchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};
