import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDigest, type DigestInput, DEFAULT_DIGEST_THRESHOLDS as thresholds } from '../../src/core/digest/index.js';

const generatedAt = new Date('2024-05-01T09:00:00Z');
const yesterday = new Date('2024-04-30T09:00:00Z');

function digest(overrides: Partial<DigestInput> = {}) {
  return buildDigest(
    { generatedAt, health: { ok: true, value: 0.935 }, p0: { ok: true, value: 3 }, ...overrides },
    thresholds,
  );
}

function lines(text: string): string[] {
  return text.split('\n');
}

type Field = { type: string; text: string };
function fields(blocks: object[], index = 1): string[] {
  return ((blocks[index] as { fields: Field[] }).fields ?? []).map((field) => field.text);
}
function contextText(blocks: object[]): string {
  const context = blocks.at(-1) as { type: string; elements: Field[] };
  assert.equal(context.type, 'context');
  return context.elements[0]!.text;
}

describe('buildDigest', () => {
  it('shows both metrics with ratings and no trend on the first digest', () => {
    const result = digest();
    assert.deepEqual(lines(result.text), [
      'Daily SecOps Status — 2024-05-01 09:00 UTC',
      '⚠️ Health score: 93.50%',
      '⚠️ P0 issues: 3',
    ]);
    assert.equal(result.health, 0.935);
    assert.equal(result.p0, 3);
    assert.deepEqual(result.failures, []);
  });

  it('builds Block Kit: header, fields, context with a Slack date', () => {
    const { blocks } = digest({ health: { ok: true, value: 0.95 }, p0: { ok: true, value: 0 } });
    assert.deepEqual(blocks[0], {
      type: 'header',
      text: { type: 'plain_text', text: 'Daily SecOps Status', emoji: true },
    });
    assert.deepEqual(fields(blocks), ['*Health score*\n✅ 95.00%', '*P0 issues*\n✅ 0']);
    assert.equal(blocks.length, 3);
    assert.equal(
      contextText(blocks),
      `Generated <!date^${generatedAt.getTime() / 1000}^{date_short_pretty} at {time}|2024-05-01 09:00 UTC>`,
    );
  });

  it('rates the threshold edges as the reference script does', () => {
    const at = (health: number, p0: number) =>
      lines(digest({ health: { ok: true, value: health }, p0: { ok: true, value: p0 } }).text).slice(1);
    assert.deepEqual(at(0.95, 0), ['✅ Health score: 95.00%', '✅ P0 issues: 0']);
    assert.deepEqual(at(0.8, 10), ['⚠️ Health score: 80.00%', '⚠️ P0 issues: 10']);
    assert.deepEqual(at(0.7999, 11), ['❌ Health score: 79.99%', '❌ P0 issues: 11']);
    assert.deepEqual(at(0.9, 1), ['⚠️ Health score: 90.00%', '⚠️ P0 issues: 1']);
  });

  it('shows the trend up in percentage points and P0 down as an integer', () => {
    const result = digest({ previous: { health: 0.92, p0: 5, generatedAt: yesterday } });
    assert.deepEqual(lines(result.text), [
      'Daily SecOps Status — 2024-05-01 09:00 UTC',
      '⚠️ Health score: 93.50% (▲ 1.50 pp)',
      '⚠️ P0 issues: 3 (▼ 2)',
      'Trend vs the scheduled digest of 2024-04-30 09:00 UTC.',
    ]);
    assert.deepEqual(fields(result.blocks), ['*Health score*\n⚠️ 93.50%\n▲ 1.50 pp', '*P0 issues*\n⚠️ 3\n▼ 2']);
    assert.match(contextText(result.blocks), / · trend vs the scheduled digest of <!date\^1714467600\^/);
  });

  it('shows the trend down for health and up for P0', () => {
    const result = digest({ previous: { health: 0.9725, p0: 1, generatedAt: yesterday } });
    assert.deepEqual(lines(result.text).slice(1, 3), ['⚠️ Health score: 93.50% (▼ 3.75 pp)', '⚠️ P0 issues: 3 (▲ 2)']);
  });

  it('says no change when equal, including float noise below what is shown', () => {
    const result = digest({ previous: { health: 0.93500000001, p0: 3, generatedAt: yesterday } });
    assert.deepEqual(lines(result.text).slice(1, 3), [
      '⚠️ Health score: 93.50% (no change)',
      '⚠️ P0 issues: 3 (no change)',
    ]);
  });

  it('shows no trend for a metric that was unavailable last time', () => {
    const result = digest({ previous: { health: null, p0: 4, generatedAt: yesterday } });
    assert.deepEqual(lines(result.text).slice(1, 3), ['⚠️ Health score: 93.50%', '⚠️ P0 issues: 3 (▼ 1)']);
  });

  it('says plainly which metric failed and why, and still rates the other', () => {
    const result = digest({
      health: { ok: false, error: 'Nanitor health_scores: HTTP 500' },
      previous: { health: 0.9, p0: 3, generatedAt: yesterday },
    });
    const text = lines(result.text);
    assert.equal(text[1], '❌ Health score unavailable: Nanitor health_scores: HTTP 500');
    assert.equal(text[2], '⚠️ P0 issues: 3 (no change)');
    assert.match(text[3]!, /^Nanitor could not be read for 1 metric: the digest pipeline needs a look/);
    assert.equal(result.health, null);
    assert.equal(result.p0, 3);
    assert.deepEqual(result.failures, ['Health score unavailable: Nanitor health_scores: HTTP 500']);
    assert.deepEqual(fields(result.blocks)[0], '*Health score*\n❌ unavailable: Nanitor health_scores: HTTP 500');
  });

  it('still produces a digest when both metrics fail', () => {
    const result = digest({
      health: { ok: false, error: 'Nanitor health_scores: timed out after 10000 ms' },
      p0: { ok: false, error: 'Nanitor rejected NANITOR_API_TOKEN' },
      previous: { health: 0.9, p0: 3, generatedAt: yesterday },
    });
    assert.deepEqual(lines(result.text), [
      'Daily SecOps Status — 2024-05-01 09:00 UTC',
      '❌ Health score unavailable: Nanitor health_scores: timed out after 10000 ms',
      '❌ P0 issues unavailable: Nanitor rejected NANITOR_API_TOKEN',
      "Nanitor could not be read for 2 metrics: the digest pipeline needs a look (the bot's logs and its Nanitor settings).",
    ]);
    assert.equal(result.failures.length, 2);
    assert.equal(result.health, null);
    assert.equal(result.p0, null);
    assert.doesNotMatch(contextText(result.blocks), /trend/);
  });

  it('treats a NaN reading as a failure instead of rating it', () => {
    const result = digest({ p0: { ok: true, value: Number.NaN } });
    assert.equal(result.p0, null);
    assert.deepEqual(result.failures, ['P0 issues unavailable: not a number (NaN)']);
  });

  it('says in the header and context when it was posted late', () => {
    const result = digest({ late: true });
    assert.equal(lines(result.text)[0], 'Daily SecOps Status (posted late) — 2024-05-01 09:00 UTC');
    assert.equal((result.blocks[0] as { text: { text: string } }).text.text, 'Daily SecOps Status (posted late)');
    assert.match(contextText(result.blocks), / · posted late: the scheduled run was missed$/);
  });

  it('adds activity lines only when given', () => {
    assert.equal(digest().blocks.length, 3);
    const result = digest({
      activity: { confirmations: { asked: 5, confirmed: 4, escalated: 1 }, sla: { breaches: 1, openPastTier: 2 } },
    });
    assert.deepEqual(lines(result.text).slice(3), [
      'Confirmations: 5 asked, 4 confirmed, 1 escalated',
      'SLA: 1 breach, 2 open past their tier',
    ]);
    assert.deepEqual(fields(result.blocks, 2), [
      '*Confirmations*\n5 asked, 4 confirmed, 1 escalated',
      '*SLA*\n1 breach, 2 open past their tier',
    ]);
    const slaOnly = digest({ activity: { sla: { breaches: 0, openPastTier: 0 } } });
    assert.deepEqual(lines(slaOnly.text).slice(3), ['SLA: 0 breaches, 0 open past their tier']);
  });

  it('escapes server output in error text for Slack mrkdwn', () => {
    const hostile = 'Nanitor issues: <!channel> & <https://evil.example|click> > "x"';
    const result = digest({ p0: { ok: false, error: hostile } });
    const escaped = 'Nanitor issues: &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; &gt; "x"';
    assert.equal(lines(result.text)[2], `❌ P0 issues unavailable: ${escaped}`);
    assert.equal(fields(result.blocks)[1], `*P0 issues*\n❌ unavailable: ${escaped}`);
    const everything = JSON.stringify(result.blocks) + result.text;
    assert.doesNotMatch(everything, /<!channel>|<https:/);
    // the raw sentence is kept for logs
    assert.deepEqual(result.failures, [`P0 issues unavailable: ${hostile}`]);
  });

  it('clips long error output to one short line', () => {
    const result = digest({ health: { ok: false, error: `Nanitor health_scores: ${'x'.repeat(1000)}\nstack` } });
    const line = lines(result.text)[1]!;
    assert.ok(line.length < 340, `line is ${line.length} chars`);
    assert.ok(line.endsWith('…'));
  });

  it('does not mutate its input', () => {
    const input: DigestInput = { generatedAt, health: { ok: true, value: 0.9 }, p0: { ok: true, value: 1 } };
    const copy = structuredClone(input);
    buildDigest(input, thresholds);
    assert.deepEqual(input, copy);
  });
});
