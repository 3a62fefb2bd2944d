import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type DigestThresholds,
  DEFAULT_DIGEST_THRESHOLDS as defaults,
  rate,
  validateThresholds,
} from '../../src/core/digest/index.js';

describe('rate', () => {
  const healthCases: [number, string][] = [
    [1, 'ok'],
    [0.96, 'ok'],
    [0.95, 'ok'],
    [0.9499, 'warn'],
    [0.8001, 'warn'],
    [0.8, 'warn'],
    [0.7999, 'fail'],
    [0, 'fail'],
  ];
  for (const [value, expected] of healthCases) {
    it(`health ${value} is ${expected}`, () => assert.equal(rate('health', value, defaults), expected));
  }

  const p0Cases: [number, string][] = [
    [0, 'ok'],
    [1, 'warn'],
    [9, 'warn'],
    [10, 'warn'],
    [11, 'fail'],
    [500, 'fail'],
  ];
  for (const [value, expected] of p0Cases) {
    it(`P0 ${value} is ${expected}`, () => assert.equal(rate('p0', value, defaults), expected));
  }

  it('follows custom thresholds', () => {
    const custom: DigestThresholds = { health: { warnBelow: 0.7, failBelow: 0.5 }, p0: { warnAbove: 2, failAbove: 3 } };
    assert.equal(rate('health', 0.7, custom), 'ok');
    assert.equal(rate('health', 0.6, custom), 'warn');
    assert.equal(rate('health', 0.49, custom), 'fail');
    assert.equal(rate('p0', 2, custom), 'ok');
    assert.equal(rate('p0', 3, custom), 'warn');
    assert.equal(rate('p0', 4, custom), 'fail');
  });
});

describe('validateThresholds', () => {
  it('accepts the defaults and equal bounds', () => {
    assert.deepEqual(validateThresholds(defaults), []);
    assert.deepEqual(
      validateThresholds({ health: { warnBelow: 0.9, failBelow: 0.9 }, p0: { warnAbove: 5, failAbove: 5 } }),
      [],
    );
  });

  it('rejects inverted bounds', () => {
    const problems = validateThresholds({
      health: { warnBelow: 0.8, failBelow: 0.95 },
      p0: { warnAbove: 10, failAbove: 0 },
    });
    assert.deepEqual(problems, [
      'health.failBelow (0.95) must not be above health.warnBelow (0.8)',
      'p0.warnAbove (10) must not be above p0.failAbove (0)',
    ]);
  });

  it('rejects a percentage where a fraction belongs, negatives and NaN', () => {
    const problems = validateThresholds({
      health: { warnBelow: 95, failBelow: 0.8 },
      p0: { warnAbove: -1, failAbove: Number.NaN },
    });
    assert.equal(problems.length, 3);
    assert.match(problems[0]!, /^health\.warnBelow must be a fraction from 0 to 1 .*got 95$/);
    assert.match(problems[1]!, /^p0\.warnAbove must be a number of issues >= 0, got -1$/);
    assert.match(problems[2]!, /^p0\.failAbove .*got NaN$/);
  });
});
