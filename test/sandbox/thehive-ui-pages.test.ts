/** The TheHive simulator's alert and case pages: what "Open in TheHive" and "open the case" links show. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TheHiveSimulator } from '../../src/sandbox/thehive/thehive-simulator.js';

describe('TheHive simulator: readable pages for the links the bot sends', () => {
  let hive: TheHiveSimulator;
  before(async () => {
    hive = await TheHiveSimulator.start({ apiKey: 'k' });
  });
  after(async () => {
    await hive.stop();
  });

  it('an alert page is HTML with everything escaped, no API key needed; the API still wants one', async () => {
    const alert = hive.addAlert({
      title: '<script>alert(1)</script> & "URGENT"',
      description: "<img src=x onerror='x()'>",
      severity: 3,
      observables: [{ dataType: 'ip', data: '<b>10.0.0.5</b>' }],
    });
    const id = String(alert._id);
    const res = await fetch(`${hive.url}/alerts/${encodeURIComponent(id)}/details`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await res.text();
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;URGENT&quot;/);
    assert.match(html, /&lt;img src=x onerror=&#39;x\(\)&#39;&gt;/);
    assert.match(html, /ip: &lt;b&gt;10\.0\.0\.5&lt;\/b&gt;/);
    assert.doesNotMatch(html, /<script>|<img|<b>/);
    assert.match(html, /HIGH/);
    assert.equal((await fetch(`${hive.url}/api/v1/alert/${encodeURIComponent(id)}`)).status, 401);
  });

  it('a case page, linked from its alert; unknown ids are a readable 404', async () => {
    const alert = hive.addAlert({ title: 'disk full', description: 'd', severity: 2 });
    const promoted = await fetch(`${hive.url}/api/v1/alert/${encodeURIComponent(String(alert._id))}/case`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{}',
    });
    const created = (await promoted.json()) as { _id: string; number: number };
    const alertHtml = await (await fetch(`${hive.url}/alerts/${encodeURIComponent(String(alert._id))}/details`)).text();
    assert.match(
      alertHtml,
      new RegExp(`href="/cases/${encodeURIComponent(created._id)}/details">case #${created.number}<`),
    );
    const caseRes = await fetch(`${hive.url}/cases/${encodeURIComponent(created._id)}/details`);
    assert.equal(caseRes.status, 200);
    assert.match(await caseRes.text(), new RegExp(`<h1>Case #${created.number} disk full</h1>`));
    const missing = await fetch(`${hive.url}/alerts/~999/details`);
    assert.equal(missing.status, 404);
    assert.match(await missing.text(), /No such alert/);
  });
});
