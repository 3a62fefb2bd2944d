/**
 * Issue 16 §2: every Twilio webhook (`/twilio/status`, `/twilio/voice/gather`, `/twilio/sms`)
 * refuses what cannot be Twilio before buffering it, and caps a body to what Twilio sends. The
 * routes are mounted on the real HTTP server; the database, repositories and services are never
 * reached on these paths, so they are absent on purpose.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TWILIO_MAX_BODY_BYTES } from '../../src/adapters/twilio/signed-webhook.js';
import { HttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import { registerOnCallTwilioRoutes } from '../../src/oncall/twilio-routes.js';
import { registerTwilioStatusRoute } from '../../src/sla/twilio-status-route.js';

const unreachable = new Proxy(
  {},
  {
    get() {
      throw new Error('the database must not be reached');
    },
  },
);

/** Sends `head` and then nothing more; resolves with the status line, or 0 when none came in time. */
function statusOf(port: number, head: string, withinMs: number): Promise<number> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(0);
    }, withinMs);
    socket.on('data', (d) => {
      text += String(d);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (m) {
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(m[1]));
      }
    });
    socket.on('error', () => {});
  });
}

describe('Twilio webhooks under abuse', () => {
  const http = new HttpServer(silentLogger());
  let port = 0;
  const common = {
    authToken: 'twilio-auth-token',
    publicUrl: 'https://bot.example.com',
    clock: { now: () => new Date() },
    logger: silentLogger(),
  };
  before(async () => {
    registerTwilioStatusRoute(http, {
      ...common,
      db: unreachable as never,
      repo: unreachable as never,
      reportUndelivered: null,
    });
    registerOnCallTwilioRoutes(http, {
      ...common,
      service: unreachable as never,
      lookup: unreachable as never,
      records: unreachable as never,
      knownNumbers: () => new Set(),
      reportOptOut: async () => {},
    });
    port = await http.listen(0, '127.0.0.1');
  });
  after(() => http.close());

  for (const path of ['/twilio/status', '/twilio/voice/gather', '/twilio/sms']) {
    it(`${path}: an unsigned request is refused before its body is read`, async () => {
      // 256 KB announced, 10 bytes sent: an answer can only come without waiting for the rest.
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${256 * 1024}\r\n\r\nMessageSid`;
      assert.equal(await statusOf(port, head, 2000), 403);
    });

    it(`${path}: a signed request larger than Twilio ever sends is refused unread`, async () => {
      const big = TWILIO_MAX_BODY_BYTES + 1;
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Twilio-Signature: abc=\r\nContent-Length: ${big}\r\n\r\nMessageSid=SM1`;
      assert.equal(await statusOf(port, head, 2000), 413);
    });

    it(`${path}: a signed request with a wrong signature is a 403 and touches nothing`, async () => {
      const body = 'MessageSid=SM1&MessageStatus=delivered&From=%2B15550000001&Body=ack';
      const head = `POST ${path} HTTP/1.1\r\nHost: x\r\nX-Twilio-Signature: abc=\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
      assert.equal(await statusOf(port, head, 2000), 403);
    });
  }
});
