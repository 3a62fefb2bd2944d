/** The REST intake: auth, validation, history, and the API being off without API_TOKEN. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startHarness } from '../helpers/bot-harness.js';
import {
  API_TOKEN,
  getAlert,
  postAlert,
  raise,
  useRig,
  waitForEscalation,
  waitForQuestion,
  waitForStatus,
} from './helpers.js';

describe('confirm REST API', () => {
  const rig = useRig({ duo: false });

  it('401 without a token or with a wrong one', async () => {
    const body = { user: 'U0ALICE', title: 't', description: 'd' };
    assert.equal((await postAlert(rig.h, body, null)).status, 401);
    assert.equal((await postAlert(rig.h, body, 'wrong-token-wrong-token')).status, 401);
    const res = await fetch(`${rig.h.url}/api/alerts/1`);
    assert.equal(res.status, 401);
  });

  it('400 with a message for bad JSON, missing, oversized or malformed fields', async () => {
    const ok = { user: 'U0ALICE', title: 't', description: 'd' };
    const cases: [unknown, RegExp][] = [
      ['{not json', /not valid JSON/],
      [[1, 2], /JSON object/],
      [{ ...ok, user: undefined }, /user is required/],
      [{ ...ok, title: '' }, /title is required/],
      [{ ...ok, description: 42 }, /description must be a string/],
      [{ ...ok, title: 'x'.repeat(201) }, /title must be at most 200/],
      [{ ...ok, description: 'x'.repeat(3001) }, /description must be at most 3000/],
      [{ ...ok, reason: 'x'.repeat(501) }, /reason must be at most 500/],
      [{ ...ok, url: 'javascript:alert(1)' }, /http\(s\) URL/],
      [{ ...ok, url: `https://x.example/${'a'.repeat(2000)}` }, /url must be at most 2000/],
      [{ ...ok, dedupe_key: 'k'.repeat(192) }, /dedupe_key must be at most 191/],
      [{ ...ok, user: 'alice' }, /Slack user ID .* or an email/],
      [{ ...ok, user: '<@U0ALICE>' }, /Slack user ID .* or an email/],
    ];
    for (const [body, message] of cases) {
      const res = await postAlert(rig.h, body);
      assert.equal(res.status, 400, JSON.stringify(body).slice(0, 80));
      assert.match(String(res.json.error), message);
    }
  });

  it('201 {id, status}; GET shows status and history; without Duo a yes is escalated as unverified', async () => {
    const id = await raise(rig.h, 'alice@example.com', { url: 'https://siem.example/alert/1' });
    const q = await waitForQuestion(rig.h, 'U0ALICE', id);
    const alert = await waitForStatus(rig.h, id, 'asked');
    assert.deepEqual(
      alert.history.slice(0, 2).map((e) => e.action),
      ['confirm.created', 'confirm.asked'],
    );
    assert.equal(alert.history[1]!.from, 'new');
    assert.equal(alert.history[1]!.to, 'asked');
    rig.h.sim.clickButton('U0ALICE', q, 'confirm_yes');
    const after = await waitForStatus(rig.h, id, 'escalated');
    assert.equal(after.reason, '2fa_unavailable');
    assert.match(after.detail ?? '', /Duo is not configured/);
    const post = await waitForEscalation(rig.h, id);
    assert.match(JSON.stringify(post.blocks), /could not be verified/);
  });

  it('GET of an unknown id is 404', async () => {
    await assert.rejects(getAlert(rig.h, 424242), /404/);
  });
});

describe('confirm REST API without API_TOKEN', () => {
  const rig = useRig({ duo: false, apiToken: false });

  it('answers 404 saying the API is disabled, while DM `test` still works', async () => {
    const res = await postAlert(rig.h, { user: 'U0ALICE', title: 't', description: 'd' });
    assert.equal(res.status, 404);
    assert.match(String(res.json.error), /disabled.*API_TOKEN/);
    const mark = rig.h.sim.mark();
    rig.h.sim.sendDm('U0ALICE', 'test');
    const reply = await rig.h.sim.waitForMessage(
      (m) => m.channel === rig.h.sim.dmChannelFor('U0ALICE') && /sent you test alert #\d+/.test(m.text),
      { since: mark },
    );
    await waitForQuestion(rig.h, 'U0ALICE', Number(/#(\d+)/.exec(reply.text)![1]));
  });
});

describe('confirm REST API under pressure (issue 9, 12, 16)', () => {
  const policyFile = () => {
    const file = join(mkdtempSync(join(tmpdir(), 'api-policy-')), 'policy.yaml');
    writeFileSync(file, 'delivery:\n  max_backlog: 10\n');
    return file;
  };
  const body = (key: string) => ({ user: 'U0ALICE', title: 't', description: 'd', dedupe_key: key });

  it('an oversized POST /api/alerts is a 413 and the connection is closed', async () => {
    const h = await startHarness({ env: { API_TOKEN } });
    try {
      const res = await rawPost(h.url, Buffer.alloc(3 * 1024 * 1024, 0x61));
      assert.equal(res.status, 413);
      assert.equal(res.headers.connection, 'close');
    } finally {
      await h.stop();
    }
  });

  it('past delivery.max_backlog queued messages: 429 with Retry-After; accepted again once it drains', async () => {
    const h = await startHarness({ env: { API_TOKEN, POLICY_FILE: policyFile() } });
    try {
      const db = h.bot.deps.db;
      const now = Date.now();
      await db('outbox').insert(
        Array.from({ length: 10 }, (_, i) => ({
          kind: 'slack_post',
          lane: 'C0BACKLOG',
          idem_key: `test:backlog:${i}`,
          payload: '{"text":"x"}',
          status: 'pending',
          attempts: 0,
          next_attempt_at: now + 3_600_000,
          created_at: now,
        })),
      );
      const refused = await postAlert(h, body('pressure-1'));
      assert.equal(refused.status, 429);
      assert.match(String(refused.json.error), /retry later/);
      await db('outbox').where('idem_key', 'like', 'test:backlog:%').delete();
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await postAlert(h, body('pressure-1'))).status, 201, 'the same dedupe_key, retried');
    } finally {
      await h.stop();
    }
  });

  it('while the alerts being processed at once reach their bound (Slack slow to answer look-ups): 429; accepted once they finish', async () => {
    const h = await startHarness({ env: { API_TOKEN }, botOptions: { confirm: { maxProcessing: 2 } } });
    try {
      // Each alert's user look-up is answered 429 once: its processing waits the Retry-After.
      h.sim.failNext('users.info', 2, { status: 429, retryAfter: 1 });
      const first = await postAlert(h, { ...body('slow-1'), user: 'U0ALICE' });
      const second = await postAlert(h, { ...body('slow-2'), user: 'U0BOB' });
      assert.deepEqual([first.status, second.status], [201, 201]);
      const refused = await postAlert(h, body('slow-3'));
      assert.equal(refused.status, 429, 'two alerts in processing, none more');
      await waitForStatus(h, Number(first.json.id), 'asked');
      await waitForStatus(h, Number(second.json.id), 'asked');
      assert.equal((await postAlert(h, body('slow-3'))).status, 201, 'the same dedupe_key, retried');
    } finally {
      await h.stop();
    }
  });

  it('the database down during POST /api/alerts: 503 with Retry-After, not 500', async () => {
    const h = await startHarness({ env: { API_TOKEN } });
    try {
      await h.bot.deps.db.destroy();
      const res = await fetch(`${h.url}/api/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
        body: JSON.stringify(body('outage-1')),
      });
      assert.equal(res.status, 503);
      assert.equal(res.headers.get('retry-after'), '5');
    } finally {
      await h.stop().catch(() => {});
    }
  });
});

function rawPost(base: string, payload: Buffer): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/api/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${API_TOKEN}` },
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
    // The server closes the connection while we are still writing; the answer came first.
    req.on('error', (err) => reject(err));
    req.end(payload);
  });
}
