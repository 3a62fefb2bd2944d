/**
 * Issue 12 §1: every path that sees untrusted text must take time linear in it. Each path is fed
 * each adversarial shape, and the test compares how the time grows from 10k to 40k characters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMissingStageProperty } from '../../src/adapters/thehive/thehive-queries.js';
import { maskNumbersIn } from '../../src/adapters/twilio/phone-numbers.js';
import { validateAlertBody } from '../../src/confirm/intake-validation.js';
import { normalizeTitle } from '../../src/core/confirm/ignore-rules.js';
import { clip as digestClip } from '../../src/core/digest/format.js';
import { escapeHtml, escapeMrkdwn, truncateText } from '../../src/core/escape.js';
import { parseSmsReply } from '../../src/core/oncall/sms-reply.js';
import { matchesHighRisk } from '../../src/core/sla/high-risk.js';
import { bearerToken } from '../../src/http/bearer.js';
import { redactString } from '../../src/log.js';
import { parseUserMention } from '../../src/oncall/slack-listeners.js';
import { displayId } from '../../src/sla/notice-blocks.js';
import { commandWord, trimEndOf } from '../../src/slack/listeners/direct-messages.js';
import { growth, MAX_GROWTH, SHAPES } from './growth.js';

const PUNCTUATION = new Set(['!', '.', '?', ',']);
const highRisk = { words: ['ransomware', 'domain admin', 'a a'], severities: [], notify: [] };

const PATHS: Record<string, (s: string) => unknown> = {
  'log redaction': (s) => redactString(s),
  'log redaction after a scheme': (s) => redactString(`x://${s}`),
  'DM command word': (s) => commandWord(s),
  'DM trailing punctuation and blanks': (s) => trimEndOf(s, PUNCTUATION, true),
  'TheHive 4 detection': (s) => isMissingStageProperty(s),
  'mrkdwn escaping': (s) => escapeMrkdwn(s, 3000),
  'HTML escaping': (s) => escapeHtml(s),
  'plain-text truncation': (s) => truncateText(s, 150),
  'high-risk words': (s) => matchesHighRisk({ title: s, description: s, observables: [s] }, highRisk),
  'ignore-rule title': (s) => normalizeTitle(s),
  'digest error text': (s) => digestClip(s),
  'alert id display': (s) => displayId(s),
  'phone masking': (s) => maskNumbersIn(s),
  'SMS reply': (s) => parseSmsReply(s),
  'HTTP Authorization header': (s) => bearerToken(`Bearer ${s}`),
  'Slack user mention (/oncall override)': (s) => parseUserMention(`<@U${s}>`),
  'REST intake (user as email)': (s) =>
    validateAlertBody({ user: `${s.slice(0, 150)}@x.${s}`, title: 't', description: 'd' }),
};

describe('untrusted text is handled in linear time', () => {
  for (const [path, fn] of Object.entries(PATHS)) {
    it(path, () => {
      for (const [shape, make] of Object.entries(SHAPES)) {
        const ratio = growth(fn, make);
        assert.ok(ratio < MAX_GROWTH, `${path} on ${shape}: 4× the input took ${ratio.toFixed(1)}× the time`);
      }
    });
  }
});

describe('TheHive 4 detection on a 400 body that repeats its key phrase', () => {
  it('grows linearly', () => {
    const ratio = growth(isMissingStageProperty, (n) => 'Property stage '.repeat(n / 15));
    assert.ok(ratio < MAX_GROWTH, `4× the input took ${ratio.toFixed(1)}× the time`);
  });
});

describe('the DM helpers still read commands as before', () => {
  it('first word, lower-cased, without trailing punctuation', () => {
    assert.equal(commandWord('Hi!! there'), 'hi');
    assert.equal(commandWord('help?'), 'help');
    assert.equal(commandWord('test'), 'test');
    assert.equal(commandWord('\tTEST, please'), 'test');
    assert.equal(commandWord('!!!'), '');
    assert.equal(commandWord(''), '');
  });
  it('trailing punctuation and blanks go, inner ones stay', () => {
    assert.equal(trimEndOf('hello! ! ?  ', PUNCTUATION, true), 'hello');
    assert.equal(trimEndOf('a, b!', PUNCTUATION, false), 'a, b');
    assert.equal(trimEndOf('hi !', PUNCTUATION, false), 'hi ');
  });
});

describe('TheHive 4 detection', () => {
  it('recognises the 4.1 refusal and nothing else', () => {
    assert.equal(isMissingStageProperty('Property stage for type Alert not found'), true);
    assert.equal(isMissingStageProperty('property stage: not found'), true);
    assert.equal(isMissingStageProperty('not found: Property stage'), false);
    assert.equal(isMissingStageProperty('Property stages for type Alert not found'), false);
  });
});
