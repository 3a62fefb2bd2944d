/** The sandbox keeps to this machine unless asked, and its REST API token is new for every run. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Sandbox, startSandbox } from '../../src/sandbox/main.js';

/** Whether something accepts a TCP connection at host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

const otherAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

describe('sandbox binding and API token', () => {
  let sandbox: Sandbox;
  let dataDir: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sandbox-bind-'));
    sandbox = await startSandbox({ port: 0, dataDir, logLevel: 'error' });
  });
  after(async () => {
    await sandbox.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the REST API takes the generated token only', async () => {
    assert.match(sandbox.apiToken, /^[A-Za-z0-9_-]{24}$/);
    assert.notEqual(sandbox.apiToken, 'sandbox-api-token-0000');
    const post = (token: string) =>
      fetch(`${sandbox.botUrl}/api/alerts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'U0ALICE', title: 't', description: 'd' }),
      });
    assert.equal((await post('sandbox-api-token-0000')).status, 401);
    assert.equal((await post(sandbox.apiToken)).status, 201);
  });

  it('the page and the bot listen on 127.0.0.1 only', {
    skip: otherAddress ? false : 'no non-loopback address',
  }, async () => {
    const pagePort = Number(new URL(sandbox.url).port);
    const botPort = Number(new URL(sandbox.botUrl).port);
    assert.equal(new URL(sandbox.url).hostname, '127.0.0.1');
    assert.equal(await accepts('127.0.0.1', pagePort), true);
    assert.equal(await accepts('127.0.0.1', botPort), true);
    assert.equal(await accepts(otherAddress!, pagePort), false, 'the page is reachable from the network');
    assert.equal(await accepts(otherAddress!, botPort), false, 'the bot is reachable from the network');
  });
});
