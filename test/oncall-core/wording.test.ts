import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Ack } from '../../src/oncall/ack-store.js';
import {
  clockTime,
  onCallSummary,
  pageMessage,
  slackAckLine,
  smsAckAnswer,
  spokenAckAnswer,
} from '../../src/oncall/wording.js';

const ack: Ack = {
  alertId: '~40968',
  by: 'alice',
  how: 'phone',
  at: Date.parse('2026-07-01T02:00:00Z'),
  until: Date.parse('2026-07-01T02:30:00Z'),
  tierAtAck: 0,
  endedAt: null,
  endedReason: null,
};

describe('on-call wording', () => {
  it('times are read in the rotation zone, DST included', () => {
    assert.equal(clockTime(ack.until, 'Europe/London'), '03:30 London time');
    assert.equal(clockTime(ack.until, 'UTC'), '02:30 UTC time');
  });

  it('the spoken answer names the alert digit by digit and until when', () => {
    assert.equal(
      spokenAckAnswer('~40968', { kind: 'acked', ack, title: 'Beacon   to C2' }, 'UTC'),
      'Acknowledged alert 4 0 9 6 8, Beacon to C2. Escalation is paused until 02:30 UTC time. Goodbye.',
    );
    assert.match(spokenAckAnswer('~1', { kind: 'not_open', state: 'promoted' }, 'UTC'), /already a case/);
  });

  it('SMS answers stay short', () => {
    const text = smsAckAnswer('~40968', { kind: 'acked', ack, title: 'x'.repeat(500) }, 'UTC');
    assert.ok(text.length < 160, text);
  });

  it('the Slack line uses Slack dates with a plain fallback', () => {
    assert.match(
      slackAckLine(ack, 'alice'),
      /^:raised_hand: Acknowledged by alice by phone at <!date\^\d+\^\{time\}\|2026-07-01T02:00:00\.000Z>; escalation paused until <!date\^\d+\^\{time\}\|2026-07-01T02:30:00\.000Z>\.$/,
    );
  });

  it('a page message is plain text', () => {
    assert.equal(
      pageMessage({
        alertId: '~7',
        title: 'a\nb',
        severity: 4,
        state: 'open',
        firedTier: 0,
        noticeChannel: null,
        noticeTs: null,
      }),
      'Security operations alert. Severity 4 TheHive alert 7. Title: a b.',
    );
  });

  it('/oncall escapes names and masks bare numbers', () => {
    const text = onCallSummary(
      {
        holder: { kind: 'rotation', person: { name: '*evil*', slack: null, phone: null }, shift: 0 },
        until: null,
        next: null,
      },
      [{ name: '+15550000002', slack: null, phone: '+15550000002' }],
      [],
      0,
    );
    assert.ok(!text.includes('*evil*'), text);
    assert.match(text, /phone …0002/);
  });
});
