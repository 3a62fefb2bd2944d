/**
 * Start-up with Duo Auth API keys Duo refuses: one clear error line naming the variables (and
 * never the secret), /healthz 200 with duo degraded, and the bot otherwise up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DuoSimulator } from '../../src/sandbox/duo/duo-simulator.js';
import { type Harness, startHarness } from '../helpers/bot-harness.js';
import { capturedLines } from '../helpers/log-lines.js';
import { PUSH_IKEY, PUSH_SKEY } from './push-rig.js';

describe('Duo Auth API keys refused at start-up', () => {
  const { logger, lines } = capturedLines('info');
  let duo: DuoSimulator;
  let h: Harness;
  const wrongSecret = 'w'.repeat(40);
  before(async () => {
    duo = await DuoSimulator.start({
      clientId: 'DIAAAAAAAAAAAAAAAAAA',
      clientSecret: 's'.repeat(40),
      authApi: { ikey: PUSH_IKEY, skey: PUSH_SKEY },
    });
    h = await startHarness({
      env: {
        DUO_AUTH_API_IKEY: PUSH_IKEY,
        DUO_AUTH_API_SKEY: wrongSecret,
        DUO_AUTH_API_HOST: duo.apiHost,
        DUO_CA_FILE: duo.caFile,
        LOG_LEVEL: 'info',
      },
      botOptions: { logger },
    });
  });
  after(async () => {
    await h.stop();
    await duo.stop();
  });

  it('logs one clear line, keeps the secret out, and /healthz says duo degraded with a 200', async () => {
    const refused = () => lines.filter((l) => l.includes('Duo Push is not working: Duo refused the Auth API keys'));
    for (let i = 0; i < 200 && refused().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(refused().length, 1, lines.join(''));
    assert.match(refused()[0]!, /DUO_AUTH_API_IKEY \/ DUO_AUTH_API_SKEY \/ DUO_AUTH_API_HOST/);
    assert.match(refused()[0]!, /40103/);
    assert.ok(!lines.join('').includes(wrongSecret), 'the secret key is never logged');
    const res = await fetch(`${h.url}/healthz`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { status: string; degraded?: string[]; duo: string };
    assert.deepEqual([body.status, body.degraded, body.duo], ['degraded', ['duo'], 'degraded']);
  });
});
