/** The Twilio adapter loaded after start-up: once, shared by sends in flight, tried again after a failure. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeferredPhone } from '../../src/adapters/twilio/deferred-phone.js';
import type { PhonePort } from '../../src/core/ports.js';

const fake: PhonePort = {
  sendSms: async (to, body) => ({ sid: `SM:${to}:${body}`, status: 'queued' }),
  call: async (to, say) => ({ sid: `CA:${to}:${say}`, status: 'queued' }),
};

describe('DeferredPhone', () => {
  it('loads nothing until used, then once for every send', async () => {
    let loads = 0;
    const phone = new DeferredPhone(async () => {
      loads++;
      return fake;
    });
    assert.equal(loads, 0);
    const [sms, call] = await Promise.all([phone.sendSms('+15550001', 'hi'), phone.call('+15550002', 'page')]);
    assert.deepEqual([sms.sid, call.sid], ['SM:+15550001:hi', 'CA:+15550002:page']);
    await phone.sendSms('+15550001', 'again');
    assert.equal(loads, 1);
  });

  it('warm() loads ahead of the first send and reports a failure, which the next send tries again', async () => {
    let loads = 0;
    const phone = new DeferredPhone(async () => {
      loads++;
      if (loads === 1) throw new Error('Cannot find package twilio');
      return fake;
    });
    const reported = await new Promise<unknown>((resolve) => phone.warm(resolve));
    assert.match(String(reported), /Cannot find package twilio/);
    assert.equal((await phone.sendSms('+15550001', 'hi')).status, 'queued');
    assert.equal(loads, 2);
  });

  it('a send that finds the adapter failing to load rejects with that error', async () => {
    const phone = new DeferredPhone(async () => {
      throw new Error('load failed');
    });
    await assert.rejects(phone.call('+15550001', 'page'), /load failed/);
  });
});
