import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type winston from 'winston';
import { redactString, registerSecrets } from '../../src/log.js';
import { capturedLines } from '../helpers/log-lines.js';

function capture(): { logger: winston.Logger; output: () => string } {
  const { logger, lines } = capturedLines('debug');
  return { logger, output: () => lines.join('') };
}

describe('log redaction', () => {
  it('an error carrying a token shows no token', () => {
    const { logger, output } = capture();
    const err = Object.assign(
      new Error('request to https://slack.com/api/chat.postMessage failed with Bearer xoxb-123-456-abcdef'),
      {
        config: { headers: { Authorization: 'Bearer xoxb-123-456-abcdef' } },
        cause: new Error('token=hunter2hunter2 rejected'),
      },
    );
    logger.error('slack call failed', { err });
    logger.error(err);
    const out = output();
    assert.equal(out.includes('xoxb-123-456-abcdef'), false, out);
    assert.equal(out.includes('hunter2hunter2'), false, out);
    assert.match(out, /slack call failed/);
    assert.match(out, /REDACTED/);
  });

  it('secrets in URLs, keys and registered values are scrubbed', () => {
    registerSecrets(['TheHiveKey-0123456789']);
    const { logger, output } = capture();
    logger.info('connecting', {
      databaseUrl: 'mysql://bot:s3cr3t-pass@db:3306/secops',
      apiKey: 'whatever-it-is',
      nested: { deeper: { client_secret: 'abc123abc123' } },
      note: 'header was TheHiveKey-0123456789',
      twilio: 'https://AC123:authtoken999@api.twilio.com',
    });
    const out = output();
    for (const secret of ['s3cr3t-pass', 'whatever-it-is', 'abc123abc123', 'TheHiveKey-0123456789', 'authtoken999']) {
      assert.equal(out.includes(secret), false, `${secret} leaked: ${out}`);
    }
    assert.match(out, /mysql:\/\/bot:\[REDACTED\]@db/);
  });

  it('leaves ordinary text alone', () => {
    assert.equal(redactString('alert 42 escalated for U0ALICE: denied'), 'alert 42 escalated for U0ALICE: denied');
    assert.equal(redactString('xapp-1-A0-999-abc'), 'xapp-[REDACTED]');
  });
});
