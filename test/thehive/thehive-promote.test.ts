import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import winston from 'winston';
import { TheHiveTicketing } from '../../src/adapters/thehive/thehive-client.js';
import { isSecOpsError } from '../../src/errors.js';
import { TheHiveSimulator, type TheHiveVariant } from '../../src/sandbox/thehive/thehive-simulator.js';

const logger = winston.createLogger({ silent: true });
const API_KEY = 'test-hive-key';

for (const variant of [5, 4] as TheHiveVariant[]) {
  describe(`getAlert and promote on TheHive ${variant}`, () => {
    let hive: TheHiveSimulator;
    let client: TheHiveTicketing;
    before(async () => {
      hive = await TheHiveSimulator.start({ apiKey: API_KEY, variant });
      client = new TheHiveTicketing({ url: `${hive.url}/`, apiKey: API_KEY, backoffMs: 1, logger });
    });
    after(() => hive.stop());

    test('getAlert returns the alert with its observables, and null for an unknown id', async () => {
      const added = hive.addAlert({
        title: 'Impossible travel',
        description: 'login from two continents',
        severity: 4,
        createdAt: 1_700_000_000_000,
        observables: ['mimikatz.exe'],
        tags: ['identity'],
      });
      const alert = await client.getAlert(String(added._id));
      assert.deepEqual(alert, {
        id: added._id,
        title: 'Impossible travel',
        description: 'login from two continents',
        severity: 4,
        createdAt: 1_700_000_000_000,
        state: 'open',
        caseId: null,
        observables: ['mimikatz.exe'],
      });
      assert.equal(await client.getAlert('~999999999'), null);
    });

    test('promote creates one case; promoting again returns that same case', async () => {
      const added = hive.addAlert({ title: 'Ransom note', description: 'x', severity: 3 });
      const id = String(added._id);
      const cases: unknown[] = [];
      const stopListening = hive.on('case', (c) => cases.push(c));

      const first = await client.promote(id);
      const second = await client.promote(id);
      stopListening();

      assert.deepEqual(second, first);
      assert.match(first.id, /^~\d+$/);
      assert.equal(typeof first.number, 'number');
      assert.equal(cases.length, 1);
      assert.equal(hive.cases().filter((c) => c._id === first.id).length, 1);
      const promoted = await client.getAlert(id);
      assert.equal(promoted?.state, 'imported');
      assert.equal(promoted?.caseId, first.id);
      assert.equal(client.caseUrl(first), `${hive.url}/cases/${first.id}/details`);
      assert.equal(client.alertUrl(id), `${hive.url}/alerts/${id}/details`);
    });

    test('case numbers increase', async () => {
      const a = await client.promote(String(hive.addAlert({ title: 'a', description: '', severity: 1 })._id));
      const b = await client.promote(String(hive.addAlert({ title: 'b', description: '', severity: 1 })._id));
      assert.equal(b.number, a.number + 1);
    });

    test('promoting an unknown alert is not_found', async () => {
      await assert.rejects(client.promote('~123'), (err) => isSecOpsError(err, 'not_found'));
    });

    test('a closed alert reads as closed', async () => {
      const id = String(hive.addAlert({ title: 'noise', description: '', severity: 1 })._id);
      hive.closeAlert(id);
      assert.equal((await client.getAlert(id))?.state, 'closed');
    });
  });
}
