// A real headless Chromium (Debian's chromium) for the tests that must see a page as a reader does.
import { existsSync } from 'node:fs';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `no ${CHROMIUM} here (apt-get install chromium)`;
}

export interface Visit {
  page: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
  /** Every request the page made that was not to a file: URL (an offline page makes none). */
  requests: string[];
  close(): Promise<void>;
}

/** Opens a file from disk, as a reader would, with nothing on the network (the flags a sandboxed root needs). */
export async function visit(file: string): Promise<Visit> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-quic',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => !r.url().startsWith('file:') && requests.push(r.url()));
    await page.goto(`file://${file}`);
    return { page, errors, requests, close: () => browser.close() };
  } catch (e) {
    await browser.close(); // a page that would not open must not leave Chromium running
    throw e;
  }
}
