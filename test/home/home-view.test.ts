import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Block, fitBlocks } from '../../src/home/block-budget.js';
import { orderAlerts, RULE_REMOVE_ACTION } from '../../src/home/employee-sections.js';
import { buildHome } from '../../src/home/home-view.js';
import { ACK_ACTION } from '../../src/home/responder-sections.js';
import type { EmployeeHome, HomeAlert, HomeTrackedAlert, ResponderExtras } from '../../src/home/view-model.js';
import { blockKitErrors } from '../../src/sandbox/slack/block-limits.js';

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const MIN = 60_000;

const alert = (id: number, over: Partial<HomeAlert> = {}): HomeAlert => ({
  id,
  title: `Alert ${id}`,
  reason: 'because',
  status: 'confirmed',
  escalationReason: null,
  outcomeDetail: null,
  createdAt: NOW - id * MIN,
  ...over,
});

const employee = (over: Partial<EmployeeHome> = {}): EmployeeHome => ({
  userId: 'U0ALICE',
  alerts: [],
  totalAlerts: 0,
  rules: [],
  ...over,
});

const tracked = (i: number, over: Partial<HomeTrackedAlert> = {}): HomeTrackedAlert => ({
  alertId: `~${i}`,
  severity: 3,
  title: `Hive ${i}`,
  createdAt: NOW - 10 * MIN,
  firedTier: 0,
  tiersTotal: 2,
  nextDue: NOW + i * MIN,
  snoozedUntil: null,
  ...over,
});

const extras = (over: Partial<ResponderExtras> = {}): ResponderExtras => ({
  tracked: [],
  totalTracked: 0,
  hiveConfigured: true,
  ackAvailable: false,
  snoozeMs: 30 * MIN,
  oncall: { now: { who: ['+1555•••0001'], until: null }, next: null },
  digest: null,
  escalations: [],
  escalationCounts: { confirm: 0, sla: 0 },
  ...over,
});

const texts = (blocks: Block[]) => JSON.stringify(blocks);
const buttons = (blocks: Block[]) =>
  blocks.flatMap((b) => [
    ...((b.elements as Block[] | undefined) ?? []).filter((e) => e.type === 'button'),
    ...(b.accessory ? [b.accessory as Block] : []),
  ]);

describe('employee Home', () => {
  it('puts pending alerts first, newest first within each group', () => {
    const ordered = orderAlerts([
      alert(1, { createdAt: NOW - 1 }),
      alert(2, { status: 'asked', createdAt: NOW - 50 }),
      alert(3, { createdAt: NOW }),
      alert(4, { status: 'asked', createdAt: NOW - 10 }),
    ]);
    assert.deepEqual(
      ordered.map((a) => a.id),
      [4, 2, 3, 1],
    );
  });

  it('gives only pending alerts Yes/No buttons, with the DM action ids and the alert id as value', () => {
    const view = buildHome(
      employee({ alerts: [alert(7, { status: 'asked' }), alert(8, { status: 'escalated' })], totalAlerts: 2 }),
      null,
      NOW,
    );
    const b = buttons(view.blocks);
    assert.deepEqual(
      b.map((x) => [x.action_id, x.value]),
      [
        ['confirm_yes', '7'],
        ['confirm_no', '7'],
      ],
    );
  });

  it('shows status, outcome and reason in words', () => {
    const view = buildHome(
      employee({
        alerts: [alert(3, { status: 'escalated', escalationReason: 'no_response', reason: 'sudo on prod' })],
        totalAlerts: 1,
      }),
      null,
      NOW,
    );
    const t = texts(view.blocks);
    assert.match(t, /sent to the security team/);
    assert.match(t, /there was no answer in time/);
    assert.match(t, /sudo on prod/);
    assert.match(t, /<!date\^\d+\^/);
  });

  it('escapes untrusted text: no mentions, links or formatting survive', () => {
    const evil = '<!channel> <@U0BOB> <https://evil.example|click> *bold* `code`';
    const view = buildHome(
      employee({
        alerts: [alert(1, { title: evil, reason: evil, outcomeDetail: evil, status: 'escalated' })],
        totalAlerts: 1,
        rules: [{ id: 1, title: evil, expiresAt: NOW + MIN }],
      }),
      extras({
        tracked: [tracked(1, { title: evil })],
        totalTracked: 1,
        digest: { generatedAt: NOW, health: 0.9, p0: 1, failures: [evil] },
      }),
      NOW,
    );
    const t = texts(view.blocks);
    assert.doesNotMatch(t, /<!channel>|<@U0BOB>|<https:\/\/evil/);
    for (const b of view.blocks) {
      const text = b.text as { type?: string; verbatim?: boolean } | undefined;
      if (text?.type === 'mrkdwn') assert.equal(text.verbatim, true);
    }
  });

  it('lists mutes with expiry and a Remove button carrying the rule id', () => {
    const view = buildHome(employee({ rules: [{ id: 42, title: 'VPN login', expiresAt: NOW + 60 * MIN }] }), null, NOW);
    const remove = buttons(view.blocks).find((b) => b.action_id === RULE_REMOVE_ACTION);
    assert.equal(remove?.value, '42');
    assert.ok(remove?.confirm, 'removal asks for confirmation');
    assert.match(texts(view.blocks), /Muted for you until <!date\^/);
  });

  it('says what the bot is, and when there is nothing to do', () => {
    const t = texts(buildHome(employee(), null, NOW).blocks);
    assert.match(t, /What is this bot\?/);
    assert.match(t, /No security alerts about you/);
  });

  it('has no TheHive, on-call or digest section for a non-responder', () => {
    const t = texts(buildHome(employee({ alerts: [alert(1)], totalAlerts: 1 }), null, NOW).blocks);
    assert.doesNotMatch(t, /TheHive|On call|digest|hive_/i);
  });

  it('counts alerts older than the slice it was given in "and N more"', () => {
    const view = buildHome(employee({ alerts: [alert(1)], totalAlerts: 31 }), null, NOW);
    assert.match(texts(view.blocks), /and 30 more alerts/);
  });

  it('shows a notice when there is one', () => {
    const view = buildHome(employee({ notice: 'Muted *x*' }), null, NOW);
    assert.match(texts(view.blocks), /Muted \*x\*/);
  });
});

describe('responder Home', () => {
  it('keeps the reader order (next tier due) and gives each alert the notice action ids', () => {
    const list = [tracked(1), tracked(2), tracked(3)];
    const view = buildHome(employee(), extras({ tracked: list, totalTracked: 3 }), NOW);
    const promote = buttons(view.blocks).filter((b) => b.action_id === 'hive_promote');
    assert.deepEqual(
      promote.map((b) => b.value),
      ['~1', '~2', '~3'],
    );
    const snooze = buttons(view.blocks).filter((b) => b.action_id === 'hive_snooze');
    assert.equal(snooze.length, 3);
    assert.match(texts(view.blocks), /Snooze 30m/);
  });

  it('shows severity, age, tier and next due', () => {
    const t = texts(buildHome(employee(), extras({ tracked: [tracked(1)], totalTracked: 1 }), NOW).blocks);
    assert.match(t, /Severity 3 \(high\)/);
    assert.match(t, /age 10m/);
    assert.match(t, /tier 1 of 2 breached/);
    assert.match(t, /next:\* tier 2 <!date/);
  });

  it('says snoozed and nothing-more-due', () => {
    const t = texts(
      buildHome(
        employee(),
        extras({
          tracked: [tracked(1, { snoozedUntil: NOW + MIN }), tracked(2, { nextDue: null, firedTier: 1 })],
          totalTracked: 2,
        }),
        NOW,
      ).blocks,
    );
    assert.match(t, /snoozed until/);
    assert.match(t, /tier 2 of 2 breached · nothing more due/);
  });

  it('shows acknowledgements only when they are available, and Acknowledge only on unacknowledged alerts', () => {
    const none = texts(buildHome(employee(), extras({ tracked: [tracked(1)], totalTracked: 1 }), NOW).blocks);
    assert.doesNotMatch(none, /cknowledge/);
    const view = buildHome(
      employee(),
      extras({
        ackAvailable: true,
        tracked: [
          tracked(1, { ack: null }),
          tracked(2, { ack: { by: 'U0CAROL', at: NOW - MIN, until: NOW + 29 * MIN } }),
        ],
        totalTracked: 2,
      }),
      NOW,
    );
    const t = texts(view.blocks);
    assert.match(t, /Not acknowledged/);
    assert.match(t, /Acknowledged by <@U0CAROL>/);
    assert.deepEqual(
      buttons(view.blocks)
        .filter((b) => b.action_id === ACK_ACTION)
        .map((b) => b.value),
      ['~1'],
    );
  });

  it('shows on call now and next, the last digest and the escalations of the day', () => {
    const t = texts(
      buildHome(
        employee(),
        extras({
          oncall: { now: { who: ['U0CAROL'], until: NOW + 60 * MIN }, next: { who: ['U0DAVE'], until: null } },
          digest: { generatedAt: NOW - MIN, health: 0.934, p0: 2, failures: [] },
          escalations: [{ at: NOW - MIN, kind: 'confirm', ref: '12', detail: '<@U0ALICE>: no_response' }],
          escalationCounts: { confirm: 1, sla: 3 },
        }),
        NOW,
      ).blocks,
    );
    assert.match(t, /On call now:\* <@U0CAROL> until/);
    assert.match(t, /Next:\* <@U0DAVE>/);
    assert.match(t, /Health score: 93.4%/);
    assert.match(t, /P0 issues: 2/);
    assert.match(t, /1 confirmation alert escalated · 3 SLA tiers breached/);
    assert.match(t, /and 3 more in the last 24 h/);
  });

  it('says plainly when there is no digest, no on-call and digest figures that could not be read', () => {
    const none = texts(buildHome(employee(), extras({ oncall: null, digest: null }), NOW).blocks);
    assert.match(none, /Last digest:\* none posted yet/);
    assert.match(none, /On call:\* not configured/);
    const failed = texts(
      buildHome(
        employee(),
        extras({ digest: { generatedAt: NOW, health: null, p0: null, failures: ['Nanitor 503'] } }),
        NOW,
      ).blocks,
    );
    assert.match(failed, /Health score: unavailable/);
    assert.match(failed, /Could not read: Nanitor 503/);
  });

  it('words every confirmation status', () => {
    const statuses = ['new', 'asked', 'verifying', 'confirmed', 'escalated', 'ignored'] as const;
    const t = texts(
      buildHome(employee({ alerts: statuses.map((status, i) => alert(i + 1, { status })), totalAlerts: 6 }), null, NOW)
        .blocks,
    );
    for (const words of [
      'being looked up',
      'waiting for your answer',
      'waiting for your Duo check',
      'confirmed by you',
      'sent to the security team',
      'muted by one of your rules',
    ])
      assert.ok(t.includes(words), words);
  });

  it('says when TheHive is not configured', () => {
    const t = texts(buildHome(employee(), extras({ hiveConfigured: false }), NOW).blocks);
    assert.match(t, /TheHive is not configured/);
  });
});

describe('the 100-block cap', () => {
  it('cuts long lists cleanly with "and N more", keeps every section head, and stays valid Block Kit', () => {
    const alerts = Array.from({ length: 80 }, (_, i) => alert(i + 1, { status: i % 2 ? 'asked' : 'confirmed' }));
    const list = Array.from({ length: 120 }, (_, i) => tracked(i + 1));
    const view = buildHome(
      employee({ alerts, totalAlerts: 80, rules: [{ id: 1, title: 'r', expiresAt: NOW + MIN }] }),
      extras({ tracked: list, totalTracked: 150 }),
      NOW,
    );
    assert.ok(view.blocks.length <= 100, `${view.blocks.length} blocks`);
    const t = texts(view.blocks);
    assert.match(t, /Open TheHive alerts \(150\)/);
    assert.match(t, /…and \d+ more: `\/hive list` lists every open alert/);
    assert.match(t, /…and \d+ more alerts not shown here/);
    assert.match(t, /Your mutes/);
    assert.match(t, /What is this bot/);
    assert.deepEqual(blockKitErrors(view.blocks), []);
    // An alert's buttons are never separated from the alert they act on.
    view.blocks.forEach((b, i) => {
      if (b.type === 'actions') assert.equal(view.blocks[i - 1]?.type, 'section');
    });
    // Shown + "more" adds up to the total.
    const shownHive = buttons(view.blocks).filter((b) => b.action_id === 'hive_promote').length;
    const more = Number(/…and (\d+) more: `\/hive list`/.exec(t)?.[1]);
    assert.equal(shownHive + more, 150);
  });

  it('fits exactly at the limit and says nothing more when everything fits', () => {
    const items = Array.from({ length: 9 }, () => [{ type: 'section' }]);
    const out = fitBlocks([{ head: [{ type: 'header' }], items, more: (n) => ({ type: 'context', n }) }], 10);
    assert.equal(out.length, 10);
    assert.ok(out.every((b) => b.type !== 'context'));
  });

  it('keeps room for later sections\' heads and their "more" lines', () => {
    const many = Array.from({ length: 50 }, () => [{ type: 'section' }]);
    const out = fitBlocks(
      [
        { head: [{ type: 'header', n: 1 }], items: many, more: (n) => ({ type: 'context', n }) },
        { head: [{ type: 'header', n: 2 }], items: many, more: (n) => ({ type: 'context', n }) },
      ],
      20,
    );
    assert.equal(out.length, 20);
    assert.deepEqual(out.filter((b) => b.type === 'header').length, 2);
    assert.deepEqual(
      out.filter((b) => b.type === 'context').map((b) => b.n),
      [34, 50],
    );
  });

  it('never splits a multi-block item', () => {
    const pairs = Array.from({ length: 10 }, (_, i) => [
      { type: 'section', i },
      { type: 'actions', i },
    ]);
    const out = fitBlocks([{ head: [], items: pairs, more: (n) => ({ type: 'context', n }) }], 6);
    assert.deepEqual(
      out.map((b) => b.type),
      ['section', 'actions', 'section', 'actions', 'context'],
    );
  });
});
