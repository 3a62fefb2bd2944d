/**
 * The sandbox page in real headless Chromium, against the real bot and all five simulators: every
 * click below travels through the page server into a simulator and on to the bot over the vendors'
 * own protocols, and what the bot sends back reaches the page over its WebSocket.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describeOrSkip } from '../helpers/skippable.js';
import {
  actAs,
  CHROMIUM_PATH,
  messageWith,
  openConversation,
  openSandboxPage,
  type PageSession,
  type,
} from './page-driver.js';

// Skipped (visibly) only outside CI: in CI a missing Chromium must fail the run.
const skip =
  existsSync(CHROMIUM_PATH) || process.env.CI ? false : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium)`;

describeOrSkip('sandbox page in Chromium', { skip, timeout: 120_000 }, ({ test, before, after }) => {
  let session: PageSession;
  before(async () => {
    session = await openSandboxPage();
  });
  after(async () => {
    await session?.stop();
  });

  test('loads as a small Slack with the sidebar and the panels', async () => {
    const { page } = session;
    assert.equal(await page.title(), 'secops-bot sandbox');
    const channels = await page.locator('#channel-list li').allTextContents();
    assert.deepEqual(channels, ['# security-escalations', '# secops-alerts', '# secops-digest']);
    assert.equal(await page.locator('#user-select').inputValue(), 'U0ALICE');
    for (const panel of ['Duo', 'TheHive', 'On-call phone', 'Nanitor']) {
      await page.locator('.panel h2', { hasText: panel }).waitFor();
    }
    // Nanitor holds 0.93; the field says it takes percent and shows 93.
    assert.match((await page.locator('#nanitor-form label', { hasText: 'Health' }).textContent()) ?? '', /%/);
    assert.equal(await page.locator('#nanitor-form input[name=health]').inputValue(), '93');
  });

  test('DM hi → the greeting arrives live', async () => {
    const { page } = session;
    await openConversation(page, 'secops-bot');
    await type(page, 'hi');
    await messageWith(page, 'Hi Alice!').waitFor();
  });

  test('text from people is shown as text, never as markup', async () => {
    const { page } = session;
    await type(page, 'look <img src=x onerror="window.pwned=1"> & <b>not bold</b> *bold*');
    const mine = messageWith(page, 'look');
    await mine.waitFor();
    assert.equal(await mine.locator('.message-body img').count(), 0);
    assert.match((await mine.locator('.message-body').textContent()) ?? '', /<img src=x onerror="window\.pwned=1">/);
    assert.equal(
      await mine
        .locator('.message-body b')
        .allTextContents()
        .then((t) => t.join('|')),
      'bold',
    );
    assert.equal(await page.evaluate(() => (globalThis as { pwned?: number }).pwned), undefined);
  });

  test('test → Yes → a Duo Push on the phone panel naming the alert → Approve → confirmed', async () => {
    const { page } = session;
    await type(page, 'test');
    const ask = messageWith(page, 'did you do this?');
    await ask.locator('button', { hasText: 'Yes, it was me' }).click();
    await messageWith(page, 'I sent a Duo Push').waitFor();
    const push = page.locator('#duo-pushes .duo-push.waiting');
    await push.waitFor();
    assert.match((await push.textContent()) ?? '', /Alert: #\d+/);
    await push.locator('button', { hasText: 'Approve' }).click();
    await messageWith(page, 'Verified with Duo Push').waitFor();
    await page.locator('#duo-pushes .duo-push.allow').waitFor();
    assert.equal(await page.locator('#duo-pushes .duo-push.waiting').count(), 0);
  });

  test('test → No → the escalation appears in #security-escalations', async () => {
    const { page } = session;
    await type(page, 'test');
    const asks = page.locator('#messages .message', { hasText: 'did you do this?' });
    const ask = asks.last();
    await ask.locator('button', { hasText: "No, it wasn't me" }).click();
    await openConversation(page, 'security-escalations');
    const escalation = messageWith(page, 'NOT them');
    await escalation.waitFor();
    assert.match((await escalation.textContent()) ?? '', /Alice/);
  });

  test('URGENT TheHive alert → notice with buttons → carol promotes → case shown; the phone rings', async () => {
    const { page } = session;
    await page.selectOption('#hive-form select[name=severity]', '2');
    await page.fill('#hive-form input[name=title]', 'URGENT: ransomware note on fs01');
    await page.fill('#hive-form textarea[name=description]', 'Files renamed to *.locked on \\\\fs01\\share');
    await page.fill('#hive-form textarea[name=observables]', 'ip: 10.0.0.5\nfs01.corp.example');
    await page.click('#hive-form button[type=submit]');
    const card = page.locator('#hive-alerts .hive-alert', { hasText: 'URGENT: ransomware note' });
    await card.waitFor();
    assert.match((await card.locator('.alert-state').textContent()) ?? '', /New/);

    await actAs(page, 'U0CAROL');
    await openConversation(page, 'secops-alerts');
    const notice = messageWith(page, 'URGENT: ransomware note');
    await notice.waitFor({ timeout: 20_000 });
    const promote = notice.locator('button', { hasText: 'Promote to case' });
    await promote.waitFor();
    await notice.locator('button', { hasText: /^Snooze/ }).waitFor();

    await page.locator('#phone-items .phone-call').first().waitFor({ timeout: 20_000 });
    const call = page.locator('#phone-items .phone-call').first();
    assert.match((await call.textContent()) ?? '', /on-call/);
    // The call reads its message twice (the second time after "Again."); the card shows it once
    // and says so, then the goodbye heard when no key is pressed.
    const spoken = call.locator('.spoken');
    assert.equal(await spoken.count(), 2);
    assert.match(
      (await spoken.first().textContent()) ?? '',
      /URGENT: ransomware note.*Press 1 to acknowledge.*\(said twice\)$/,
    );
    assert.match((await spoken.last().textContent()) ?? '', /No key was pressed/);

    await promote.click();
    await card.locator('.alert-case', { hasText: /case #\d+/ }).waitFor();
    const caseNumber = /case #(\d+)/.exec((await card.locator('.alert-case').textContent()) ?? '')![1];
    await messageWith(page, new RegExp(`#${caseNumber}\\b`)).waitFor();
    assert.equal(
      await messageWith(page, 'URGENT: ransomware note').locator('button', { hasText: 'Promote to case' }).count(),
      0,
    );
  });

  test('the phone panel says who is on call now (the rotation) and until when', async () => {
    const { page } = session;
    const line = page.locator('#oncall-now');
    await line.locator('.oncall-name').waitFor();
    assert.match((await line.textContent()) ?? '', /^On call now: (carol|dave) until \S.* · next: (dave|carol)$/);
  });

  /** Raises a high-risk alert (paged by call at once) and returns its call card and the number called. */
  const pagedCall = async (title: string) => {
    const { page } = session;
    await page.selectOption('#hive-form select[name=severity]', '2');
    await page.fill('#hive-form input[name=title]', title);
    await page.click('#hive-form button[type=submit]');
    const card = page.locator('#phone-items .phone-call', { hasText: title });
    await card.waitFor({ timeout: 20_000 });
    const to = /\+\d+/.exec((await card.locator('.title').textContent()) ?? '')![0];
    return { card, to };
  };

  test('press 1 on the ringing call → the bot says so on the line and the notice says acknowledged', async () => {
    const { page } = session;
    const { card } = await pagedCall('URGENT: keypad test on web03');
    assert.match((await card.locator('.title').textContent()) ?? '', /\((carol|dave), on-call\)/);
    await card.locator('.keypad button', { hasText: /^1$/ }).click();
    await card.locator('.phone-pressed', { hasText: /pressed 1 → “Acknowledged alert/ }).waitFor();
    await actAs(page, 'U0CAROL');
    await openConversation(page, 'secops-alerts');
    const notice = messageWith(page, 'URGENT: keypad test on web03');
    // The notice's context line and a thread line can both say it: any one will do.
    await notice.locator('text=/Acknowledged by (carol|dave) by phone/').first().waitFor({ timeout: 15_000 });
  });

  test("ack typed in the SMS reply box acknowledges; the bot's reply SMS shows in the panel", async () => {
    const { page } = session;
    const { card, to } = await pagedCall('URGENT: sms reply test on db02');
    // As a person would, answer once the phone has rung: by then the bot has recorded the page
    // (on a busy machine the card can show before the bot's record of it commits).
    await card.locator('.row', { hasText: 'in-progress' }).waitFor({ timeout: 20_000 });
    // The number the bot called (a handoff may have changed who is on call since).
    await page.selectOption('#phone-reply select[name=from]', to);
    await page.fill('#phone-reply input[name=body]', 'ack');
    await page.click('#phone-reply button[type=submit]');
    await page.locator('#phone-items .phone-inbound', { hasText: 'ack' }).first().waitFor();
    const reply = page.locator('#phone-items .phone-reply', { hasText: 'sms reply test on db02' }).first();
    await reply.waitFor();
    assert.match(
      (await reply.locator('.title').textContent()) ?? '',
      new RegExp(`^💬 Reply to \\${to} \\((carol|dave), on-call\\)$`),
    );
    assert.match(
      (await reply.locator('.phone-text').textContent()) ?? '',
      /^Acknowledged ~?\w+ \(URGENT: sms reply test on db02\)\. Escalation paused until /,
    );
  });

  test('after a high-risk breach and a snooze, the TheHive panel says what /hive list says', async () => {
    const { page } = session;
    await page.selectOption('#hive-form select[name=severity]', '2');
    await page.fill('#hive-form input[name=title]', 'URGENT: backups deleted on nas02');
    await page.click('#hive-form button[type=submit]');
    const card = page.locator('#hive-alerts .hive-alert', { hasText: 'URGENT: backups deleted' });
    await card.waitFor();
    const alertId = ((await card.locator('.alert-id').textContent()) ?? '').trim();

    await actAs(page, 'U0CAROL');
    await openConversation(page, 'secops-alerts');
    await messageWith(page, 'URGENT: backups deleted').waitFor({ timeout: 20_000 });
    await card.locator('.alert-tier', { hasText: 'tier 3 of 3 breached' }).waitFor();

    await type(page, `/hive snooze ${alertId} 5`);
    const reply = messageWith(page, /snoozed for 5m/);
    await reply.waitFor();
    // <!date^…> is shown in the reader's own time, never as raw UTC.
    assert.doesNotMatch((await reply.textContent()) ?? '', /\d{4}-\d\d-\d\dT\d\d:/);
    await card.locator('.alert-tier', { hasText: /snoozed 4m 5\ds|snoozed 5m 00s/ }).waitFor();
    await type(page, '/hive list');
    const list = messageWith(page, 'Open TheHive alerts');
    await list.waitFor();
    const listed = ((await list.textContent()) ?? '').split('•').find((line) => line.includes('backups deleted'))!;
    assert.match(listed, /tier 3 of 3 breached, snoozed (4m 5\ds|5m)/);

    const panel = (await card.locator('.alert-tier').textContent()) ?? '';
    assert.match(panel, /^tier 3 of 3 breached \(high-risk\) · snoozed (4m 5\ds|5m 00s) · nothing more due$/);
    assert.doesNotMatch(panel, /within SLA|next \(/);

    // "… in TheHive" opens a readable page about the alert, not the API's JSON.
    const notice = page.locator('#messages .message', { hasText: 'in TheHive' }).filter({ hasText: 'backups deleted' });
    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      notice.first().locator('a', { hasText: 'in TheHive' }).click(),
    ]);
    await popup.waitForLoadState();
    assert.match(await popup.title(), /URGENT: backups deleted on nas02/);
    assert.match((await popup.locator('body').textContent()) ?? '', /MEDIUM/);
    await popup.close();
  });

  test('/secops status in a channel answers with the Nanitor numbers the panel set', async () => {
    const { page } = session;
    // The field is in percent: 75 means 75 %, not 7500 % or 0.75 %.
    await page.fill('#nanitor-form input[name=health]', '75');
    await page.fill('#nanitor-form input[name=p0]', '12');
    await page.click('#nanitor-form button[type=submit]');
    await openConversation(page, 'secops-digest');
    await type(page, '/secops status');
    await messageWith(page, /75(\.0+)?\s?%/).waitFor();
    assert.match((await messageWith(page, /75(\.0+)?\s?%/).textContent()) ?? '', /12/);
  });

  test('Bob has no phone for push: test → Yes → the Universal Prompt in the Duo panel, labelled with the alert', async () => {
    const { page } = session;
    await actAs(page, 'U0BOB');
    await openConversation(page, 'secops-bot');
    await type(page, 'test');
    const ask = messageWith(page, 'did you do this?');
    await ask.locator('button', { hasText: 'Yes, it was me' }).click();
    const verify = messageWith(page, 'open Duo and approve');
    await verify.locator('button', { hasText: 'Verify with Duo' }).click();
    const prompt = page.locator('#duo-pending .duo-prompt');
    await prompt.waitFor();
    assert.match((await prompt.textContent()) ?? '', /Login request for bob \(alert #\d+\)/);
    await prompt.locator('button', { hasText: 'Approve' }).click();
    await messageWith(page, 'Verified with Duo').waitFor();
    await page.locator('#duo-outcomes .duo-outcome', { hasText: 'approved' }).waitFor();
  });

  test('an unknown slash command says so, in a toast that covers no message', async () => {
    const { page } = session;
    // Enough messages to fill the conversation, so the newest sits just above the composer.
    await openConversation(page, 'secops-bot');
    const overflows = () => page.$eval('#messages', (el) => el.scrollHeight > el.clientHeight + 100);
    for (let i = 0; i < 12 && !(await overflows()); i++) {
      await type(page, 'help');
      await page.locator('#messages .message', { hasText: "I'm the security operations bot" }).nth(i).waitFor();
    }
    assert.ok(await overflows(), 'the conversation fills its view');
    await type(page, '/nope now');
    const toast = page.locator('#toast', { hasText: 'not a valid command' });
    await toast.waitFor();
    assert.match(
      (await toast.textContent()) ?? '',
      /^\/nope is not a valid command\. The app's commands are \/secops, \/hive/,
    );
    const newest = page.locator('#messages .message').last();
    const [m, t] = [await newest.boundingBox(), await toast.boundingBox()];
    assert.ok(
      m && t && m.y + m.height <= t.y + 1,
      `the toast (${t?.y}) covers the newest message (${m?.y}+${m?.height})`,
    );
    await toast.click();
    assert.equal(await toast.isHidden(), true);
  });

  test('at phone width the conversation and every panel are on screen, full width', async () => {
    const phone = await session.browser.newPage({ viewport: { width: 390, height: 844 } });
    try {
      await phone.goto(session.sandbox.url);
      await phone.locator('body[data-ready="true"]').waitFor();
      for (const selector of [
        '#messages',
        '#composer-input',
        '#duo-panel',
        '#hive-panel',
        '#phone-panel',
        '#nanitor-panel',
      ]) {
        const element = phone.locator(selector);
        await element.scrollIntoViewIfNeeded();
        const box = await element.boundingBox();
        assert.ok(box, `${selector} is not shown`);
        assert.ok(
          box.x >= 0 && box.x + box.width <= 390 + 1,
          `${selector} runs off the screen: ${JSON.stringify(box)}`,
        );
        assert.ok(box.width >= (selector === '#composer-input' ? 200 : 330), `${selector} is squeezed: ${box.width}px`);
        assert.ok(box.height > 20, `${selector} is clipped: ${box.height}px high`);
      }
    } finally {
      await phone.close();
    }
  });

  test('a reload keeps who you are, and loading the page asks for nothing that is missing', async () => {
    const { page } = session;
    const missing: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) missing.push(`${r.status()} ${r.url()}`);
    });
    await actAs(page, 'U0CAROL');
    await page.reload();
    await page.locator('body[data-ready="true"]').waitFor();
    assert.equal(await page.locator('#user-select').inputValue(), 'U0CAROL');
    assert.match((await page.locator('#conversation-title').textContent()) ?? '', /Carol/);
    assert.deepEqual(missing, []);
    await actAs(page, 'U0ALICE');
  });
});
