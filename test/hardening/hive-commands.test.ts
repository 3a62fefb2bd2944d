/**
 * `/hive` always answers, in words a responder can act on: issue 15 §4 (`/hive promote nope`),
 * issue 16 §2 (a 40 KB id) and issue 12 §5 (`/hive list` while the database is down).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { capturedLines } from '../helpers/log-lines.js';
import { freePort, type SlaSims, slaEnv, startSims } from '../sla/sla-helpers.js';

describe('/hive answers every command', () => {
  let sims: SlaSims;
  let h: Harness;
  const log = capturedLines();
  before(async () => {
    sims = await startSims();
    h = await startHarness({ env: slaEnv(sims, await freePort()), botOptions: { logger: log.logger } });
  });
  after(async () => {
    await h.stop().catch(() => {});
    await sims.stop();
  });

  const ask = async (text: string) => {
    const mark = h.sim.mark();
    h.sim.slashCommand('U0CAROL', 'C0ALERTS', '/hive', text);
    return (await h.sim.waitForEphemeral((e) => e.user === 'U0CAROL', { since: mark, timeoutMs: 5000 })).text;
  };

  it('/hive promote of an alert TheHive does not have says so, and logs one short line without a stack', async () => {
    const from = log.lines.length;
    const text = await ask('promote ~999999');
    assert.equal(text, 'There is no alert ~999999 in TheHive. `/hive list` shows the open ones.');
    assert.doesNotMatch(text, /NotFound|404|answered/);
    const lines = log.lines.slice(from).filter((l) => l.includes('999999'));
    assert.equal(lines.length, 1, lines.join(''));
    assert.doesNotMatch(lines[0]!, /stack| {4}at /);
  });

  it('a 40 KB id is no alert: answered at once, never sent to TheHive, never logged whole', async () => {
    const from = log.lines.length;
    const requests = sims.hive.requestCount();
    const text = await ask(`promote ~${'9'.repeat(40_000)}`);
    assert.match(text, /^There is no alert .{1,80} in TheHive\./);
    assert.ok(text.length < 200);
    assert.equal(sims.hive.requestCount(), requests, 'TheHive was not asked');
    const logged = log.lines.slice(from).join('');
    assert.ok(logged.length < 5000, `logged ${logged.length} characters`);
  });

  it('/hive list while the database is down says so instead of staying silent', async () => {
    await h.bot.deps.db.destroy();
    const text = await ask('list');
    assert.equal(text, "I can't reach the database right now, so I could not do that. Try again in a minute.");
  });
});
