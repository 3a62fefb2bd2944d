/** The REST intake: auth, validation, history, and the API being off without API_TOKEN. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAlert, postAlert, raise, useRig, waitForEscalation, waitForQuestion, waitForStatus } from './helpers.js';

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
