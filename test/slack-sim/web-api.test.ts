import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { SlackSimulator } from '../../src/sandbox/slack/index.js';

/** The error code @slack/web-api attaches, plus Slack's own `error` for platform errors. */
async function slackError(call: Promise<unknown>): Promise<{ code: string; error?: string; retryAfter?: number }> {
  try {
    await call;
  } catch (err) {
    const e = err as { code: string; data?: { error?: string }; retryAfter?: number };
    return { code: e.code, error: e.data?.error, retryAfter: e.retryAfter };
  }
  throw new Error('expected the call to fail');
}

describe('Slack simulator Web API through the real @slack/web-api client', () => {
  let sim: SlackSimulator;
  let client: WebClient;

  before(async () => {
    sim = await SlackSimulator.start({ perChannelPerSecond: 1 });
    client = new WebClient(sim.botToken, {
      slackApiUrl: sim.apiUrl,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
      // One test posts without text on purpose (Slack's no_text); the SDK's advice about it is expected.
      logLevel: LogLevel.ERROR,
    });
  });
  after(async () => {
    await sim.stop();
  });

  it('auth.test describes the bot and the team', async () => {
    const auth = await client.auth.test();
    assert.equal(auth.user_id, 'U0BOT');
    assert.equal(auth.bot_id, 'B0BOT');
    assert.equal(auth.team_id, 'T0SECOPS');
    assert.equal(auth.url, 'https://secops.slack.com/');
  });

  it('rejects missing, wrong and wrong-kind tokens the way Slack does', async () => {
    const anonymous = await fetch(`${sim.apiUrl}auth.test`, { method: 'POST' });
    assert.equal(anonymous.status, 200);
    assert.deepEqual(await anonymous.json(), { ok: false, error: 'not_authed' });
    const wrong = new WebClient('xoxb-not-ours', { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } });
    assert.equal((await slackError(wrong.auth.test())).error, 'invalid_auth');
    const appTokenClient = new WebClient(sim.appToken, { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } });
    assert.equal((await slackError(appTokenClient.auth.test())).error, 'not_allowed_token_type');
    assert.equal((await slackError(client.apps.connections.open({}))).error, 'not_allowed_token_type');
    const opened = await appTokenClient.apps.connections.open({});
    assert.match(opened.url ?? '', /^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=\w+/);
    assert.equal((await slackError(client.apiCall('chat.teleport', {}))).error, 'unknown_method');
  });

  it('accepts JSON bodies as well as form bodies', async () => {
    const response = await fetch(`${sim.apiUrl}users.info`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.botToken}`, 'Content-Type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ user: 'U0ALICE' }),
    });
    const body = (await response.json()) as { ok: boolean; user: { profile: { email: string } } };
    assert.equal(body.user.profile.email, 'alice@example.com');
  });

  it('looks users up by id and email, including deactivated users and bots', async () => {
    const { user } = await client.users.info({ user: 'U0ALICE' });
    assert.equal(user?.profile?.first_name, 'Alice');
    assert.equal(user?.real_name, 'Alice Archer');
    assert.equal(user?.deleted, false);
    assert.equal(typeof user?.tz, 'string');
    assert.equal((await client.users.info({ user: 'U0ERIN' })).user?.deleted, true);
    assert.equal((await client.users.info({ user: 'U0SCANNER' })).user?.is_bot, true);
    assert.equal((await client.users.lookupByEmail({ email: 'Carol@Example.com' })).user?.id, 'U0CAROL');
    assert.equal(
      (await slackError(client.users.lookupByEmail({ email: 'mallory@example.com' }))).error,
      'users_not_found',
    );
    assert.equal((await slackError(client.users.info({ user: 'U0NOBODY' }))).error, 'user_not_found');
  });

  it('posts, updates and links messages, with Slack error codes for bad input', async () => {
    assert.equal(
      (await slackError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).error,
      'channel_not_found',
    );
    assert.equal(
      (await slackError(client.chat.postMessage({ channel: 'C0GENERAL', text: 'x' }))).error,
      'not_in_channel',
    );
    assert.equal((await slackError(client.apiCall('chat.postMessage', { channel: 'C0DIGEST' }))).error, 'no_text');

    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Digest*' } }];
    const posted = await client.chat.postMessage({ channel: 'C0DIGEST', text: 'Digest', blocks });
    assert.equal(posted.message?.bot_id, 'B0BOT');
    const updated = await client.chat.update({ channel: 'C0DIGEST', ts: posted.ts!, text: 'Digest (final)' });
    assert.equal(updated.text, 'Digest (final)');
    const [stored] = sim.messages('C0DIGEST');
    assert.deepEqual({ text: stored?.text, edits: stored?.edits }, { text: 'Digest (final)', edits: 1 });

    assert.equal(
      (await slackError(client.chat.update({ channel: 'C0DIGEST', ts: '1.000001', text: 'x' }))).error,
      'message_not_found',
    );
    sim.sendDm('U0BOB', 'a human wrote this');
    const human = sim.messages(sim.dmChannelFor('U0BOB'))[0]!;
    const humanEdit = client.chat.update({ channel: human.channel, ts: human.ts, text: 'hijacked' });
    assert.equal((await slackError(humanEdit)).error, 'cant_update_message');

    const link = await client.chat.getPermalink({ channel: 'C0DIGEST', message_ts: posted.ts! });
    assert.equal(link.permalink, `https://secops.slack.com/archives/C0DIGEST/p${posted.ts!.replace('.', '')}`);
  });

  it('opens one stable DM per user and records ephemerals for that user only', async () => {
    const first = await client.conversations.open({ users: 'U0DAVE' });
    const again = await client.conversations.open({ users: 'U0DAVE' });
    assert.equal(first.channel?.id, sim.dmChannelFor('U0DAVE'));
    assert.equal(again.channel?.id, first.channel?.id);
    assert.equal((await slackError(client.conversations.open({ users: 'U0ERIN' }))).error, 'user_disabled');

    const sent = await client.chat.postEphemeral({ channel: 'C0ESCAL', user: 'U0DAVE', text: 'only you' });
    assert.equal(sim.ephemerals('U0DAVE').at(-1)?.ts, sent.message_ts);
    assert.equal(sim.ephemerals('U0CAROL').length, 0);
    const outsider = client.chat.postEphemeral({ channel: 'C0ESCAL', user: 'U0ALICE', text: 'x' });
    assert.equal((await slackError(outsider)).error, 'user_not_in_channel');
  });

  it('pages conversations.members with cursors', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.conversations.members({ channel: 'C0DIGEST', limit: 2, cursor });
      assert.ok((page.members ?? []).length <= 2);
      seen.push(...(page.members ?? []));
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    assert.deepEqual(seen, ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE', 'U0BOT']);
    assert.equal(
      (await slackError(client.conversations.members({ channel: 'C0DIGEST', cursor: 'junk' }))).error,
      'invalid_cursor',
    );
  });

  it('paces chat.postMessage per channel: the second message within a second gets 429 and is not recorded', async () => {
    const before = sim.messages('C0ALERTS').length;
    await client.chat.postMessage({ channel: 'C0ALERTS', text: 'first' });
    const limited = await slackError(client.chat.postMessage({ channel: 'C0ALERTS', text: 'second' }));
    assert.deepEqual(limited, { code: ErrorCode.RateLimitedError, error: undefined, retryAfter: 1 });

    const raw = await fetch(`${sim.apiUrl}chat.postMessage`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.botToken}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ channel: 'C0ALERTS', text: 'third' }),
    });
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('retry-after'), '1');
    assert.deepEqual(await raw.json(), { ok: false, error: 'ratelimited' });
    assert.deepEqual(
      sim
        .messages('C0ALERTS')
        .slice(before)
        .map((m) => m.text),
      ['first'],
    );
    // Another channel has its own allowance.
    await client.chat.postMessage({ channel: 'C0ESCAL', text: 'elsewhere' });
  });

  it('fails the next calls of a method on demand', async () => {
    sim.failNext('users.info', 1, { error: 'internal_error' });
    sim.failNext('users.info', 1, { status: 429, retryAfter: 7 });
    assert.equal((await slackError(client.users.info({ user: 'U0ALICE' }))).error, 'internal_error');
    assert.equal((await slackError(client.users.info({ user: 'U0ALICE' }))).retryAfter, 7);
    assert.equal((await client.users.info({ user: 'U0ALICE' })).user?.id, 'U0ALICE');
  });
});
