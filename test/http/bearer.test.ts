import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerCheck, bearerToken } from '../../src/http/bearer.js';

describe('bearer tokens', () => {
  it('reads the token after the scheme, any case, blanks around it ignored', () => {
    assert.equal(bearerToken('Bearer abc'), 'abc');
    assert.equal(bearerToken('bearer  abc '), 'abc');
    assert.equal(bearerToken('BEARER\tabc'), 'abc');
  });

  it('refuses other schemes, a missing separator and an empty token', () => {
    for (const header of ['', 'Bearer', 'Bearer ', 'Bearerabc', 'Basic abc', 'Token abc', ' Bearer abc']) {
      assert.equal(bearerToken(header), null, JSON.stringify(header));
    }
  });

  it('checks against the configured token only', () => {
    const check = bearerCheck('s3cret-token');
    assert.equal(check('Bearer s3cret-token'), true);
    assert.equal(check('Bearer s3cret-token2'), false);
    assert.equal(check('Bearer s3cret'), false);
    assert.equal(check(undefined), false);
    assert.equal(check('s3cret-token'), false);
  });
});
