import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { HttpServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';

/** Raw request so the path is sent exactly as written (fetch would normalize it). */
function raw(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let data = '';
      res.on('data', (d) => {
        data += String(d);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

describe('HttpServer', () => {
  const http = new HttpServer(silentLogger());
  let port = 0;
  before(async () => {
    http.route('GET', '/items/:id', (req) => ({ status: 200, body: { id: req.params.id, q: req.query.get('q') } }));
    http.route('POST', '/echo', async (req) => ({ status: 200, body: { size: (await req.body()).length } }));
    http.route('GET', '/boom', () => {
      throw new Error('handler bug');
    });
    port = await http.listen(0, '127.0.0.1');
  });
  after(() => http.close());

  it('routes with params and query', async () => {
    const r = await raw(port, 'GET', '/items/a%20b?q=1');
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body), { id: 'a b', q: '1' });
  });

  it('a malformed escape or path answers 400 instead of hanging', async () => {
    assert.equal((await raw(port, 'GET', '/items/%E0')).status, 400);
    assert.equal((await raw(port, 'GET', '//')).status, 400);
  });

  it('404, 405, 413 and 500 are answered with JSON', async () => {
    assert.equal((await raw(port, 'GET', '/nope')).status, 404);
    assert.equal((await raw(port, 'DELETE', '/echo')).status, 405);
    assert.equal((await raw(port, 'POST', '/echo', 'x'.repeat(300 * 1024))).status, 413);
    const boom = await raw(port, 'GET', '/boom');
    assert.equal(boom.status, 500);
    assert.deepEqual(JSON.parse(boom.body), { error: 'internal error' });
  });
});
