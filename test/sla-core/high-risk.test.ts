import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateSla } from '../../src/core/sla/evaluate.js';
import { matchesHighRisk } from '../../src/core/sla/high-risk.js';
import { DEFAULT_SLA_POLICY, type HighRiskPolicy } from '../../src/core/sla/policy.js';
import { alertFacts, CREATED, FRESH, MINUTE, policyWith, runSchedule } from './helpers.js';

const HR = DEFAULT_SLA_POLICY.highRisk;

function words(...list: string[]): HighRiskPolicy {
  return { words: list, severities: [2], notify: ['call'] };
}

function inTitle(title: string, hr: HighRiskPolicy = HR): string | null {
  return matchesHighRisk(alertFacts(2, { title, description: '', observables: [] }), hr);
}

describe('matchesHighRisk', () => {
  it('matches whole words, ignoring case, and returns the word as configured', () => {
    assert.equal(inTitle('Disk failure!'), 'FAILURE');
    assert.equal(inTitle('urgent'), 'URGENT');
    assert.equal(inTitle('Severity: Critical.'), 'CRITICAL');
    assert.equal(inTitle('(urgent) patch now'), 'URGENT');
    assert.equal(inTitle('failure-mode analysis'), 'FAILURE');
  });

  it('does not match inside a longer word', () => {
    for (const title of ['nonfailures', 'failures', 'Criticality review', 'nonurgent', 'failure_mode', 'failure2']) {
      assert.equal(inTitle(title), null, title);
    }
  });

  it('searches the description and every observable, not only the title', () => {
    const base = { title: 'Login', description: '', observables: ['10.0.0.1'] };
    assert.equal(matchesHighRisk({ ...base, description: 'Backup FAILURE overnight' }, HR), 'FAILURE');
    assert.equal(matchesHighRisk({ ...base, observables: ['10.0.0.1', 'subject: URGENT wire'] }, HR), 'URGENT');
    assert.equal(matchesHighRisk(base, HR), null);
  });

  it('returns the first configured word that matches', () => {
    assert.equal(inTitle('urgent critical failure'), 'CRITICAL');
  });

  it('treats regex metacharacters in words literally', () => {
    assert.equal(inTitle('exploit in c++ runtime', words('c++')), 'c++');
    assert.equal(inTitle('axb', words('a.b')), null);
    assert.equal(inTitle('file a.b found', words('a.b')), 'a.b');
    assert.equal(inTitle('a', words('a|b')), null);
    assert.equal(inTitle('user [admin] logged in', words('[admin]')), '[admin]');
    assert.equal(inTitle('pay $ransom now', words('$ransom')), '$ransom');
    assert.equal(inTitle('path \\\\share\\x', words('\\\\share')), '\\\\share');
    assert.equal(inTitle('cve-2024-3094 found', words('CVE-2024-3094')), 'CVE-2024-3094');
    assert.equal(inTitle('(.*) everything', words('(.*)')), '(.*)');
    assert.equal(inTitle('nothing here', words('(.*)')), null);
  });

  it('uses Unicode word boundaries', () => {
    assert.equal(inTitle('DÉCÈS confirmé', words('décès')), 'décès');
    assert.equal(inTitle('Blöker', words('ök')), null);
    assert.equal(inTitle('СРОЧНО!', words('срочно')), 'срочно');
    assert.equal(inTitle('несрочно', words('срочно')), null);
    assert.equal(inTitle('Ausfall: Server', words('AUSFALL')), 'AUSFALL');
  });

  it('matches composed and decomposed accents, and full-width look-alikes', () => {
    assert.equal(inTitle('de\u0301ce\u0300s du serveur', words('décès')), 'décès');
    assert.equal(inTitle('\uFF35\uFF32\uFF27\uFF25\uFF2E\uFF34 patch', HR), 'URGENT');
  });

  it('matches a phrase across any whitespace', () => {
    assert.equal(inTitle('Data   breach detected', words('data breach')), 'data breach');
    assert.equal(inTitle('data\nbreach', words('data breach')), 'data breach');
    assert.equal(inTitle('database breach', words('data breach')), null);
  });

  it('skips blank words and matches nothing with none configured', () => {
    assert.equal(inTitle('anything at all', words('', '   ')), null);
    assert.equal(inTitle('anything at all', words()), null);
  });
});

describe('evaluateSla: high-risk escalation', () => {
  const urgent = alertFacts(2, { title: 'Disk failure!' });

  it('fires at once as the top tier, with the high-risk methods', () => {
    assert.deepEqual(evaluateSla(urgent, FRESH, DEFAULT_SLA_POLICY, CREATED), {
      kind: 'fire',
      tier: 2,
      tierLabel: 'high-risk',
      notify: ['slack', 'call'],
      highRisk: true,
      skipped: [0, 1],
      next: null,
    });
  });

  it('fires only once: no tier re-fires what it covered', () => {
    const sent = runSchedule(urgent, DEFAULT_SLA_POLICY);
    assert.deepEqual(
      sent.map(({ at, decision }) => [at, decision.tierLabel]),
      [[CREATED, 'high-risk']],
    );
    assert.deepEqual(
      evaluateSla(urgent, { ...FRESH, firedTier: 2, highRiskFired: true }, DEFAULT_SLA_POLICY, CREATED),
      {
        kind: 'wait',
        next: null,
      },
    );
  });

  it('does not fire again if highRiskFired, whatever the recorded tier', () => {
    const decision = evaluateSla(urgent, { ...FRESH, highRiskFired: true }, DEFAULT_SLA_POLICY, CREATED + 30 * MINUTE);
    assert.ok(decision.kind === 'fire');
    assert.equal(decision.highRisk, false);
    assert.equal(decision.tier, 0);
  });

  it('takes over from a tier already sent, skipping only the ones between', () => {
    const decision = evaluateSla(
      alertFacts(2, { observables: ['URGENT'] }),
      { ...FRESH, firedTier: 0 },
      DEFAULT_SLA_POLICY,
      CREATED + 31 * MINUTE,
    );
    assert.ok(decision.kind === 'fire');
    assert.deepEqual([decision.highRisk, decision.tier, decision.skipped], [true, 2, [1]]);
  });

  it('adds nothing once the top tier has been sent', () => {
    assert.deepEqual(evaluateSla(urgent, { ...FRESH, firedTier: 2 }, DEFAULT_SLA_POLICY, CREATED + 61 * MINUTE), {
      kind: 'wait',
      next: null,
    });
  });

  it('does not match a substring', () => {
    const decision = evaluateSla(alertFacts(2, { title: 'nonfailures' }), FRESH, DEFAULT_SLA_POLICY, CREATED);
    assert.deepEqual(decision, { kind: 'wait', next: CREATED + 30 * MINUTE });
  });

  it('applies only to the configured severities', () => {
    for (const severity of [1, 3, 4] as const) {
      const decision = evaluateSla(
        alertFacts(severity, { title: 'CRITICAL failure' }),
        FRESH,
        DEFAULT_SLA_POLICY,
        CREATED,
      );
      assert.equal(decision.kind, 'wait', `severity ${severity}`);
    }
    const p = policyWith((p) => {
      p.highRisk.severities = [3, 4];
    });
    assert.equal(evaluateSla(alertFacts(2, { title: 'CRITICAL' }), FRESH, p, CREATED).kind, 'wait');
    const critical = evaluateSla(alertFacts(4, { title: 'CRITICAL' }), FRESH, p, CREATED);
    assert.ok(critical.kind === 'fire');
    assert.deepEqual([critical.highRisk, critical.tier, critical.notify], [true, 2, ['slack', 'call']]);
  });

  it('uses the configured methods, not the top tier ones', () => {
    const p = policyWith((p) => {
      p.highRisk.notify = ['escalate'];
    });
    const decision = evaluateSla(urgent, FRESH, p, CREATED);
    assert.ok(decision.kind === 'fire');
    assert.deepEqual(decision.notify, ['escalate']);
  });
});
