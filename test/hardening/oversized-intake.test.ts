/**
 * Issue 12 §5: an oversized `POST /api/alerts` is a 413 and its connection is closed, although the
 * route's own try/catch turns any body error into "not valid JSON". Real bot, real socket.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from '../helpers/bot-harness.js';

const TOKEN = 'oversized-intake-token-0123456789';

describe('oversized REST intake', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ env: { API_TOKEN: TOKEN } });
  });
  after(() => h.stop());

  for (const framing of ['content-length', 'chunked'] as const) {
    it(`is refused with 413 and the connection closes without reading the rest (${framing})`, async () => {
      const total = 7 * 1024 * 1024;
      const piece = Buffer.alloc(64 * 1024, 'x');
      const frame =
        framing === 'chunked'
          ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
          : piece;
      const socket = connect(h.bot.port, '127.0.0.1');
      let text = '';
      let sent = 0;
      socket.on('data', (d) => {
        text += String(d);
      });
      socket.on('error', () => {});
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      const length = framing === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${total}`;
      socket.write(
        `POST /api/alerts HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n${length}\r\n\r\n`,
      );
      // Sent as a client would, piece by piece, for as long as the server keeps reading.
      const pump = setInterval(() => {
        if (socket.destroyed || sent >= total) return clearInterval(pump);
        socket.write(frame);
        sent += piece.length;
      }, 5);
      await closed;
      clearInterval(pump);
      assert.match(text, /^HTTP\/1\.1 413/);
      assert.ok(sent < total / 2, `the server read ${sent} of ${total} bytes before closing`);
    });
  }
});
