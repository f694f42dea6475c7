import { writeFileSync } from 'node:fs';
import { expect, test as base, type Browser, type BrowserContext, type Locator, type Page, type WebSocket } from '@playwright/test';
import type { Gateway } from './gateway.ts';
import { DemoServer } from './server.ts';

/*
 * Fixtures: `demo`, a fresh seeded server per test, and `people`, which opens a device (a browser
 * context on its own gateway) per technician, logged in through the login screen like a person.
 * A `Screen` is one tab of a device, with the app's own words as the way to look at it.
 */

export type Who = 'Ana Lima' | 'Ben Okafor';

/** A phone-sized window, like the config's `use.viewport` (which applies only to the built-in `context`). */
const PHONE = { viewport: { width: 412, height: 915 } };

export class Screen {
  /** WebSockets this tab opened (the Outpost worker's included: Playwright reports those on the page). */
  readonly sockets: WebSocket[] = [];

  constructor(
    readonly device: Device,
    readonly page: Page,
  ) {
    page.on('websocket', (ws) => this.sockets.push(ws));
  }

  get status(): Locator {
    return this.page.getByTestId('status-bar');
  }

  /** Online, nothing waiting to upload, nothing left to download. */
  async synced(): Promise<void> {
    await expect(this.status).toHaveAttribute('data-state', 'online');
    await expect(this.page.getByTestId('status-detail')).toHaveText('· all changes synced');
  }

  async pending(n: number): Promise<void> {
    await expect(this.status).toHaveAttribute('data-pending', String(n));
  }

  /** Waits until the service worker controls the page: from then on a reload works offline. */
  async offlineReady(): Promise<void> {
    await expect(this.page.getByTestId('offline-ready')).toBeVisible();
  }

  async region(id: 'north' | 'central' | 'south'): Promise<void> {
    await this.page.getByTestId('region').selectOption(id);
  }

  async go(hash: string): Promise<void> {
    await this.page.evaluate((h) => (location.hash = h), hash);
  }

  /** Opens a work order's screen and waits until the work order is on this device. */
  async openWorkOrder(id: string, code: string): Promise<void> {
    await this.go(`#/wo/${id}`);
    await expect(this.page.getByTestId('wo-detail')).toHaveAttribute('data-code', code);
  }

  get title(): Locator {
    return this.page.getByTestId('wo-title');
  }

  get description(): Locator {
    return this.page.getByTestId('wo-description');
  }

  get priority(): Locator {
    return this.page.getByTestId('wo-priority');
  }

  get assignee(): Locator {
    return this.page.getByTestId('wo-assignee');
  }

  get notes(): Locator {
    return this.page.getByTestId('notes').locator('li p');
  }

  task(n: number): Locator {
    return this.page.getByTestId('checklist').getByRole('checkbox').nth(n);
  }

  /**
   * Ticks a checklist item. A click, not `check()`: the box shows the stored value, which changes
   * when the write has been committed in the worker, a moment after the click.
   */
  async tick(n: number): Promise<void> {
    await expect(this.task(n)).not.toBeChecked();
    await this.task(n).click();
    await expect(this.task(n)).toBeChecked();
  }

  /** Types into a field that is saved when it loses focus, and leaves it. */
  async setText(field: 'title' | 'description', text: string): Promise<void> {
    const input = field === 'title' ? this.title : this.description;
    await input.fill(text);
    await input.blur();
  }

  async addNote(text: string): Promise<void> {
    await this.page.getByLabel('New note').fill(text);
    await this.page.getByRole('button', { name: 'Add note' }).click();
    await expect(this.notes.filter({ hasText: text })).toHaveCount(1);
  }
}

export class Device {
  /** The tab the person logged in with. */
  screen!: Screen;

  constructor(
    readonly who: Who,
    readonly context: BrowserContext,
    readonly gateway: Gateway,
  ) {}

  /** Where this device reaches the server (its own gateway). */
  get url(): string {
    return this.gateway.url;
  }

  /** Another tab of this device, opened at `path` (it shares the login and the local database). */
  async tab(path = '/'): Promise<Screen> {
    const screen = new Screen(this, await this.context.newPage());
    await screen.page.goto(this.url + path);
    return screen;
  }

  /** The network goes: the browser says offline, and the open sync socket dies with it. */
  async offline(): Promise<void> {
    await this.context.setOffline(true);
    this.gateway.cut();
    await expect(this.screen.status).toHaveAttribute('data-state', 'offline');
  }

  async online(): Promise<void> {
    this.gateway.restore();
    await this.context.setOffline(false);
    await this.screen.synced();
  }
}

export async function signIn(device: Device): Promise<Device> {
  const screen = await device.tab('/');
  device.screen = screen;
  await screen.page.getByRole('button', { name: new RegExp(device.who) }).click();
  await expect(screen.page.getByTestId('who')).toHaveText(device.who);
  await screen.synced();
  return device;
}

export const test = base.extend<{ demo: DemoServer; people: (who: Who) => Promise<Device> }>({
  demo: async ({}, use, testInfo) => {
    const server = await DemoServer.create();
    try {
      await use(server);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        // A file next to the screenshot and the trace (an attachment body alone is not kept on disk).
        const path = testInfo.outputPath('server.log');
        writeFileSync(path, server.log);
        await testInfo.attach('server.log', { path, contentType: 'text/plain' });
      }
      await server.dispose();
    }
  },
  people: async ({ browser, demo }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async (who) => {
      const context = await browser.newContext(PHONE);
      contexts.push(context);
      return signIn(new Device(who, context, demo.gateway()));
    });
    for (const c of contexts) await c.close();
  },
});

/** A desktop window, logged in to the dashboard with the admin key, like an operator. */
export async function dashboard(browser: Browser, demo: DemoServer): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${demo.url}/admin/`);
  await page.getByLabel('Admin key').fill(demo.adminKey());
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByTestId('session-count')).toBeVisible();
  return page;
}

export { expect };
