/**
 * A vendor (or a proxy in front of it) that answers with an endless body: the adapters stop
 * reading at their cap and report a bad response, instead of buffering until memory runs out.
 * The simulators answer with bounded bodies, so a bare server stands in for the broken one.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { NanitorMetrics } from '../../src/adapters/nanitor/nanitor-metrics.js';
import { TheHiveTicketing } from '../../src/adapters/thehive/thehive-client.js';
import { isSecOpsError } from '../../src/errors.js';
import { silentLogger } from '../../src/log.js';

describe('endless vendor responses', () => {
  let server: Server;
  let url = '';
  let bytesSent = 0;
  before(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(256 * 1024, 0x20);
      res.write('[');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) bytesSent += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('Nanitor stops at 5 MB with a bad_response, without retrying', async () => {
    bytesSent = 0;
    const nanitor = new NanitorMetrics({
      baseUrl: url,
      apiToken: 't',
      retries: 2,
      backoffMs: 1,
      logger: silentLogger(),
    });
    await assert.rejects(
      nanitor.healthScore(),
      (err) => isSecOpsError(err, 'bad_response') && /larger than/.test(err.message),
    );
    assert.ok(bytesSent < 64 * 1024 * 1024, `${bytesSent} bytes sent`);
  });

  it('TheHive stops at its cap with a bad_response', async () => {
    bytesSent = 0;
    const hive = new TheHiveTicketing({ url, apiKey: 'k', retries: 0, timeoutMs: 30_000, logger: silentLogger() });
    await assert.rejects(
      hive.listOpenAlerts(),
      (err) => isSecOpsError(err, 'bad_response') && /larger than/.test(err.message),
    );
    assert.ok(bytesSent < 200 * 1024 * 1024, `${bytesSent} bytes sent`);
  });
});
