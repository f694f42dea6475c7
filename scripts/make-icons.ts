/*
 * Rasterizes public/icons/icon.svg into the PNG icons the web manifest and iOS need, with the
 * system's Chromium (no downloads). Run after changing the SVG; the PNGs are committed.
 *
 *   node --import tsx scripts/make-icons.ts
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { chromium } from '@playwright/test';

const dir = resolve(import.meta.dirname, '../public/icons');
const svg = readFileSync(resolve(dir, 'icon.svg'), 'utf8');
const dataUrl = `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;

/** `maskable`: full-bleed background with the artwork inside the central safe zone (80 %). */
const OUTPUTS = [
  { file: 'icon-192.png', size: 192, maskable: false },
  { file: 'icon-512.png', size: 512, maskable: false },
  { file: 'maskable-512.png', size: 512, maskable: true },
  { file: 'apple-touch-icon.png', size: 180, maskable: true },
] as const;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage();
  for (const out of OUTPUTS) {
    await page.setViewportSize({ width: out.size, height: out.size });
    const inner = out.maskable ? Math.round(out.size * 0.72) : out.size;
    await page.setContent(
      `<html><body style="margin:0;width:${out.size}px;height:${out.size}px;display:grid;place-items:center;background:${out.maskable ? '#0f5c4d' : 'transparent'}">` +
        `<img src="${dataUrl}" width="${inner}" height="${inner}"></body></html>`,
    );
    await page.locator('img').evaluate((img: HTMLImageElement) => img.decode());
    await page.screenshot({ path: resolve(dir, out.file), omitBackground: !out.maskable });
    process.stdout.write(`wrote public/icons/${out.file}\n`);
  }
} finally {
  await browser.close();
}
