/**
 * Renders docs/sandbox.png for the README: the sandbox mid-story, with a confirmation verified by a
 * Duo Push approved on the Duo panel, an URGENT TheHive alert and the on-call phone ringing.
 * Run: npx tsx test/browser/take-screenshot.ts
 */
import { resolve } from 'node:path';
import { messageWith, openConversation, openSandboxPage, type } from './page-driver.js';

const OUT = resolve(import.meta.dirname, '../../docs/sandbox.png');

const session = await openSandboxPage();
try {
  const { page } = session;
  await page.fill('#hive-form input[name=title]', 'URGENT: ransomware note on fs01');
  await page.fill('#hive-form textarea[name=description]', 'Files renamed to *.locked');
  await page.click('#hive-form button[type=submit]');
  await page.locator('#phone-items .phone-call').first().waitFor({ timeout: 20_000 });

  await openConversation(page, 'secops-bot');
  await type(page, 'hi');
  await messageWith(page, 'Hi Alice!').waitFor();
  await type(page, 'test');
  await messageWith(page, 'did you do this?').locator('button', { hasText: 'Yes, it was me' }).click();
  // The sandbox configures Duo's Auth API, so the second factor is a push to Alice's phone.
  await messageWith(page, 'I sent a Duo Push').waitFor();
  await page.locator('#duo-pushes .duo-push.waiting').locator('button', { hasText: 'Approve' }).click();
  await messageWith(page, 'Verified with Duo Push').waitFor();
  await page.locator('#duo-pushes .duo-push.allow').waitFor();
  await page.locator('#toast').evaluate((toast) => {
    toast.hidden = true;
  });
  await page.screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await session.stop();
}
