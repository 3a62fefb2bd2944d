import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TheHiveSimulator } from '../../src/sandbox/thehive/thehive-simulator.js';

const API_KEY = 'sim-key';

async function query(hive: TheHiveSimulator, steps: unknown[]) {
  const res = await fetch(`${hive.url}/api/v1/query?name=test`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: steps }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe('TheHive simulator wire behaviour', () => {
  let v5: TheHiveSimulator;
  let v4: TheHiveSimulator;
  before(async () => {
    v5 = await TheHiveSimulator.start({ apiKey: API_KEY, variant: 5 });
    v4 = await TheHiveSimulator.start({ apiKey: API_KEY, variant: 4 });
    for (const hive of [v5, v4]) {
      hive.addAlert({ title: 'low', description: '', severity: 1, createdAt: 10, tags: ['a'] });
      hive.addAlert({ title: 'high', description: '', severity: 3, createdAt: 30, tags: ['b', 'c'] });
      hive.addAlert({ title: 'medium', description: '', severity: 2, createdAt: 20 });
    }
  });
  after(async () => {
    await v5.stop();
    await v4.stop();
  });

  test('alert objects have the shape of their version', () => {
    const [a5] = v5.alerts();
    const [a4] = v4.alerts();
    assert.match(String(a5!._id), /^~\d+$/);
    for (const key of ['_type', '_createdBy', '_createdAt', 'sourceRef', 'severityLabel', 'stage', 'tlp', 'pap']) {
      assert.ok(key in a5!, key);
    }
    assert.equal(a5!.stage, 'New');
    assert.equal(a5!.severityLabel, 'LOW');
    assert.ok(!('stage' in a4!) && !('severityLabel' in a4!));
    assert.equal(a4!.status, 'New');
  });

  test('without the Bearer key: 401 AuthenticationError', async () => {
    const res = await fetch(`${v5.url}/api/v1/alert/${v5.alerts()[0]!._id}`);
    assert.equal(res.status, 401);
    assert.deepEqual(await res.json(), { type: 'AuthenticationError', message: 'Authentication failure' });
  });

  test('filters: _in on a multi-valued field, _or, _not, _between, bare _field/_value; sort desc; count', async () => {
    const titles = async (filter: object) => {
      const { body } = await query(v5, [
        { _name: 'listAlert' },
        { _name: 'filter', ...filter },
        { _name: 'sort', _fields: [{ severity: 'desc' }] },
      ]);
      return (body as Array<{ title: string }>).map((a) => a.title);
    };
    assert.deepEqual(await titles({ _in: { _field: 'tags', _values: ['c'] } }), ['high']);
    assert.deepEqual(
      await titles({ _or: [{ _field: 'title', _value: 'low' }, { _gte: { _field: 'severity', _value: 3 } }] }),
      ['high', 'low'],
    );
    assert.deepEqual(await titles({ _not: { _eq: { _field: 'severity', _value: 2 } } }), ['high', 'low']);
    assert.deepEqual(await titles({ _between: { _field: '_createdAt', _from: 10, _to: 30 } }), ['medium', 'low']);
    const count = await query(v5, [{ _name: 'listAlert' }, { _name: 'count' }]);
    assert.equal(count.body, 3);
  });

  test('TheHive 4.1 refuses a filter on stage the way ScalliGraph does', async () => {
    const stage = { _name: 'filter', _in: { _field: 'stage', _values: ['New'] } };
    assert.equal((await query(v5, [{ _name: 'listAlert' }, stage])).status, 200);
    const refused = await query(v4, [{ _name: 'listAlert' }, stage]);
    assert.equal(refused.status, 400);
    assert.match(String((refused.body as { message: string }).message), /Property stage for type Alert not found/);
  });

  test('unknown operators, operations and bad pages are 400; an unknown alert is 404', async () => {
    assert.equal((await query(v5, [{ _name: 'listAlert' }, { _name: 'filter', _regexp: 'x' }])).status, 400);
    assert.equal((await query(v5, [{ _name: 'listThings' }])).status, 400);
    assert.equal((await query(v5, [{ _name: 'listAlert' }, { _name: 'page', from: 5, to: 1 }])).status, 400);
    const missing = await query(v5, [{ _name: 'getAlert', idOrName: '~1' }, { _name: 'observables' }]);
    assert.equal(missing.status, 404);
    assert.equal((missing.body as { type: string }).type, 'NotFoundError');
  });

  test('promoting twice: 201 with a case, then 400; events fire', async () => {
    const seen: string[] = [];
    v5.on('case', () => seen.push('case'));
    v5.on('update', () => seen.push('update'));
    const id = String(v5.addAlert({ title: 'promote me', description: '', severity: 2 })._id);
    const promote = () =>
      fetch(`${v5.url}/api/v1/alert/${id}/case`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: '{}',
      });
    const first = await promote();
    assert.equal(first.status, 201);
    const created = (await first.json()) as { _id: string; number: number; title: string; stage: string };
    assert.equal(created.title, 'promote me');
    assert.equal(created.stage, 'New');
    const again = await promote();
    assert.equal(again.status, 400);
    assert.equal(((await again.json()) as { type: string }).type, 'BadRequest');
    const alert = v5.alerts().find((a) => a._id === id)!;
    assert.equal(alert.stage, 'Imported');
    assert.equal(alert.caseId, created._id);
    assert.deepEqual(seen, ['case', 'update']);
  });
});
