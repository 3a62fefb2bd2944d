/** Reading GET /metrics in tests: one sample's value out of Prometheus text, and a scrape that checks the answer. */
import assert from 'node:assert/strict';

/** The value of the sample `name{labels…}` (labels given must match; others may be present), 0 when absent. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !/^[a-z_:]+(\{|\s)/.test(line.slice(name.length - 1))) continue;
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[3]);
  }
  return total;
}

/** GET /metrics on the bot at `baseUrl` (a getter: a restarted bot has a new port); the text of a 200. */
export function scraper(baseUrl: () => string, token?: string): () => Promise<string> {
  return async () => {
    const res = await fetch(`${baseUrl()}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    assert.equal(res.status, 200);
    return res.text();
  };
}
