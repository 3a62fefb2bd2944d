/** Issue 12 §1: a line nobody will see costs nothing, and a line somebody sees is bounded. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_LOGGED_STRING, redactString, registerSecrets } from '../../src/log.js';
import { boltLogger } from '../../src/slack/bolt-logger.js';
import { capturedLines as capture } from '../helpers/log-lines.js';

/** An envelope-like object that counts how often anything reads or serialises it. */
function watched(): { value: object; reads: () => number } {
  let reads = 0;
  const value = {
    toJSON() {
      reads++;
      return { envelope: 'x'.repeat(40_000) };
    },
    get text() {
      reads++;
      return 'x'.repeat(40_000);
    },
  };
  return { value, reads: () => reads };
}

describe('lines below the level', () => {
  it('Bolt debug lines are neither stringified nor formatted at info', () => {
    const { logger, lines } = capture('info');
    const bolt = boltLogger(logger);
    const envelope = watched();
    bolt.debug('Received a message on the WebSocket:', envelope.value);
    assert.equal(envelope.reads(), 0);
    assert.equal(lines.length, 0);
    bolt.info('connected', envelope.value);
    assert.equal(envelope.reads(), 1);
    assert.equal(lines.length, 1);
  });

  it('winston skips redaction of a debug line at info', () => {
    const { logger, lines } = capture('info');
    const meta = watched();
    logger.debug('event', { payload: meta.value });
    assert.equal(meta.reads(), 0);
    assert.equal(lines.length, 0);
    logger.warn('event', { payload: meta.value });
    assert.ok(meta.reads() > 0);
    assert.equal(lines.length, 1);
  });

  it('Bolt debug lines still appear at debug', () => {
    const { logger, lines } = capture('debug');
    boltLogger(logger).debug('socket', { type: 'hello' });
    assert.match(lines[0]!, /socket \{\\"type\\":\\"hello\\"\}/);
  });
});

describe('bounded lines', () => {
  it('a 40,000-character value is cut, and says how much was cut', () => {
    const { logger, lines } = capture('info');
    logger.warn('promote failed', { alert: 'a'.repeat(40_000), items: Array.from({ length: 3000 }, (_, i) => i) });
    const line = lines[0]!;
    assert.ok(line.length < 2 * MAX_LOGGED_STRING, `line of ${line.length}`);
    assert.match(line, /36000 more characters/);
    assert.match(line, /2950 more items/);
  });

  it('a secret that straddles the cut is still redacted', () => {
    registerSecrets(['StraddlingSecret-0123456789']);
    const text = `${'x'.repeat(MAX_LOGGED_STRING - 5)}StraddlingSecret-0123456789 and more`;
    const out = redactString(text);
    assert.equal(out.includes('Straddl'), false, out.slice(-80));
    const bearer = redactString(`${'y'.repeat(MAX_LOGGED_STRING - 3)} Bearer abcdefghijklmnop`);
    assert.equal(bearer.includes('abc'), false);
  });

  it('URL userinfo is still redacted after the linear rewrite', () => {
    assert.equal(redactString('see https://AC1:tok3n@api.twilio.com/x'), 'see https://AC1:[REDACTED]@api.twilio.com/x');
    assert.equal(
      redactString('mysql://bot:pw@db/x and a://b:c@d'),
      'mysql://bot:[REDACTED]@db/x and a://b:[REDACTED]@d',
    );
  });
});
