/**
 * Drives the sandbox page in Debian's headless Chromium (playwright-core, no bundled browser):
 * start the sandbox in-process, open the page, and act as the people on it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { type Sandbox, startSandbox } from '../../src/sandbox/main.js';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export interface PageSession {
  sandbox: Sandbox;
  browser: Browser;
  page: Page;
  stop(): Promise<void>;
}

export async function openSandboxPage(): Promise<PageSession> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sandbox-browser-'));
  const sandbox = await startSandbox({ port: 0, dataDir, logLevel: process.env.TEST_LOG_LEVEL ?? 'error' });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.setDefaultTimeout(10_000);
    await page.goto(sandbox.url);
    await page.locator('body[data-ready="true"]').waitFor();
    const opened = browser;
    return {
      sandbox,
      browser: opened,
      page,
      async stop() {
        await opened.close();
        await sandbox.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close();
    await sandbox.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}

export async function actAs(page: Page, userId: string): Promise<void> {
  await page.selectOption('#user-select', userId);
}

export async function openConversation(page: Page, name: 'secops-bot' | string): Promise<void> {
  const item =
    name === 'secops-bot' ? page.locator('#dm-list li') : page.locator('#channel-list li', { hasText: name });
  await item.first().click();
  await page.locator('#conversation-title', { hasText: name === 'secops-bot' ? 'secops-bot' : name }).waitFor();
}

export async function type(page: Page, text: string): Promise<void> {
  await page.fill('#composer-input', text);
  await page.press('#composer-input', 'Enter');
}

/** The newest message in the open conversation whose text matches. */
export function messageWith(page: Page, text: string | RegExp): Locator {
  return page.locator('#messages .message', { hasText: text }).last();
}
