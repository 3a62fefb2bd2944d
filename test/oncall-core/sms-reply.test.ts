import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKeypress, parseSmsReply } from '../../src/core/oncall/sms-reply.js';

describe('parseSmsReply', () => {
  const cases: [string, ReturnType<typeof parseSmsReply>][] = [
    ['1', { kind: 'ack', alertId: null }],
    ['ack', { kind: 'ack', alertId: null }],
    [' ACK. ', { kind: 'ack', alertId: null }],
    ['Ack ~40968', { kind: 'ack', alertId: '~40968' }],
    ['1 ~40968', { kind: 'ack', alertId: '~40968' }],
    ['2', { kind: 'escalate', alertId: null }],
    ['esc', { kind: 'escalate', alertId: null }],
    ['ESC ~7', { kind: 'escalate', alertId: '~7' }],
    ['acknowledge', { kind: 'help' }],
    ['ack ~1 ~2', { kind: 'help' }],
    ['ack <script>', { kind: 'help' }],
    ['', { kind: 'help' }],
    ['STOP', { kind: 'help' }],
    ['3', { kind: 'help' }],
    ['yes I have it', { kind: 'help' }],
  ];
  for (const [text, expected] of cases) {
    it(`${JSON.stringify(text)} → ${expected.kind}`, () => assert.deepEqual(parseSmsReply(text), expected));
  }
});

describe('parseKeypress', () => {
  it('maps 1, 2, 9 and nothing else', () => {
    assert.deepEqual(['1', '2', '9', '0', '#', '', undefined].map(parseKeypress), [
      'ack',
      'escalate',
      'repeat',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
    ]);
  });
});
