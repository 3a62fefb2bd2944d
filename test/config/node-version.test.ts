import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { MINIMUM_NODE, nodeVersionProblem } from '../../src/startup/node-version.js';

it('start-up refuses a Node.js older than package.json engines, in one line', () => {
  const engines = (JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } }).engines.node;
  assert.equal(engines, `>=${MINIMUM_NODE.replace(/\.0$/, '')}`);
  assert.equal(
    nodeVersionProblem('20.11.1'),
    'Node.js 20.11.1 is too old: secops-bot needs Node.js 20.12.0 or newer (20 LTS or later)',
  );
  assert.match(nodeVersionProblem('18.19.0') ?? '', /too old/);
  assert.match(nodeVersionProblem('v20.9.0') ?? '', /too old/);
  for (const ok of ['20.12.0', '20.20.2', '21.0.0', '22.11.0', 'v24.1.0'])
    assert.equal(nodeVersionProblem(ok), null, ok);
  assert.equal(nodeVersionProblem(process.versions.node), null, 'the Node running the tests');
});
