/**
 * The sandbox page's Home entry in headless Chromium: opening it sends app_home_opened to the
 * real bot, the view it publishes is drawn with its buttons, and a click on one goes back to the
 * bot as a Home block_action.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describeOrSkip } from '../helpers/skippable.js';
import { actAs, CHROMIUM_PATH, openConversation, openSandboxPage, type PageSession, type } from './page-driver.js';

const skip =
  existsSync(CHROMIUM_PATH) || process.env.CI ? false : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;

describeOrSkip('sandbox page: Home tab', { skip, timeout: 120_000 }, ({ test, before, after }) => {
  let session: PageSession;
  before(async () => {
    session = await openSandboxPage();
  });
  after(async () => {
    await session?.stop();
  });

  test("shows the selected person's Home, and its buttons work", async () => {
    const { page } = session;
    await openConversation(page, 'secops-bot');
    await type(page, 'test');
    await page.locator('#messages .message', { hasText: 'Test alert' }).first().waitFor();
    await page.locator('#home-entry').click();
    await page.locator('#conversation-title', { hasText: 'Home' }).waitFor();
    await page.locator('#home-view', { hasText: 'Your security alerts' }).waitFor();
    await page.locator('#home-view', { hasText: 'waiting for your answer' }).waitFor();
    assert.equal(await page.locator('#messages').isVisible(), false);
    await page.locator('#home-view button', { hasText: "No, it wasn't me" }).click();
    await page.locator('#home-view', { hasText: 'you said it was not you' }).waitFor();

    await actAs(page, 'U0CAROL');
    await page.locator('#conversation-title', { hasText: 'Carol' }).waitFor();
    await page.locator('#home-view', { hasText: 'Open TheHive alerts' }).waitFor();
    await openConversation(page, 'secops-bot');
    assert.equal(await page.locator('#home-view').isVisible(), false);
  });
});
