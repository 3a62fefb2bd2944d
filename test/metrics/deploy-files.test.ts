/**
 * The Prometheus rules and the Grafana dashboard in deploy/ are what operators load, and nothing
 * else reads them: a renamed metric or label would leave an alert that never fires and a panel
 * that stays empty. Both files are parsed, and every metric (and label) their queries name must
 * be one the bot exports.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { registry } from '../../src/metrics/metrics.js';

const read = (file: string) => readFileSync(new URL(`../../deploy/${file}`, import.meta.url), 'utf8');

interface Family {
  type: string;
  labels: Set<string>;
}

/** The bot's metric families (its own and the default process ones) with their label names. */
function exported(): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const m of registry.getMetricsAsArray()) {
    // labelNames is on every prom-client metric, though not in the MetricObject type.
    const labels = (m as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    families.set(m.name, { type: String(m.type), labels: new Set(labels) });
  }
  return families;
}

/** The family a series name belongs to: itself, or a histogram's _bucket/_sum/_count (with `le` on buckets). */
function familyOf(name: string, families: Map<string, Family>): { family: Family; extra: string[] } | null {
  const own = families.get(name);
  if (own) return { family: own, extra: [] };
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = m ? families.get(m[1]!) : undefined;
  if (!m || base?.type !== 'histogram') return null;
  return { family: base, extra: m[2] === 'bucket' ? ['le'] : [] };
}

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];
const OURS = /\b(?:secops|nodejs|process)_[a-z0-9_]+\b/g;

/** Problems with the names one PromQL expression uses; empty when it only names what the bot exports. */
function checkExpr(expr: string, families: Map<string, Family>): string[] {
  const problems: string[] = [];
  let depth = 0;
  for (const c of expr) {
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) break;
  }
  if (depth !== 0) problems.push('unbalanced parentheses');
  const names = [...new Set(expr.match(OURS) ?? [])];
  if (names.length === 0) problems.push('names no metric of the bot');
  for (const name of names) {
    const found = familyOf(name, families);
    if (!found) {
      problems.push(`${name} is not exported`);
      continue;
    }
    const known = new Set([...found.family.labels, ...found.extra, ...TARGET_LABELS]);
    // Label matchers on this series: name{label="…", label!~"…"}.
    for (const selector of expr.matchAll(new RegExp(`\\b${name}\\{([^}]*)\\}`, 'g'))) {
      for (const [, label] of selector[1]!.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) {
        if (!known.has(label!)) problems.push(`${name} has no label ${label}`);
      }
    }
  }
  // `by (…)` labels must exist on the series the aggregation reads (the first one after it).
  for (const by of expr.matchAll(/\bby\s*\(([^)]*)\)/g)) {
    const next = expr.slice((by.index ?? 0) + by[0].length).match(OURS)?.[0];
    const found = next ? familyOf(next, families) : null;
    if (!found) continue;
    const known = new Set([...found.family.labels, ...found.extra, ...TARGET_LABELS]);
    for (const label of by[1]!.split(',').map((l) => l.trim())) {
      if (label && !known.has(label)) problems.push(`by (${label}): ${next} has no such label`);
    }
  }
  return problems;
}

interface Rule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: { severity?: unknown };
  annotations?: { summary?: unknown };
}

describe('deploy/: Prometheus rules and Grafana dashboard', () => {
  const families = exported();

  it('the checker itself catches an unknown metric, label and by-label (so an empty result means something)', () => {
    assert.deepEqual(checkExpr('sum(rate(secops_slack_api_calls_total{result="ok"}[5m]))', families), []);
    assert.deepEqual(
      checkExpr('histogram_quantile(0.9, sum by (le) (rate(secops_tier_lateness_seconds_bucket[5m])))', families),
      [],
    );
    assert.deepEqual(checkExpr('secops_no_such_total', families), ['secops_no_such_total is not exported']);
    assert.deepEqual(checkExpr('secops_outbox_depth_count', families), ['secops_outbox_depth_count is not exported']);
    assert.deepEqual(checkExpr('secops_duo_errors_total{method="x"}', families), [
      'secops_duo_errors_total has no label method',
    ]);
    assert.deepEqual(checkExpr('sum by (code) (secops_duo_errors_total)', families), [
      'by (code): secops_duo_errors_total has no such label',
    ]);
  });

  it('prometheus-rules.yaml: groups of rules, each with alert, expr, severity and summary; `for` a duration when given', () => {
    const doc = parse(read('prometheus-rules.yaml')) as { groups?: { name?: unknown; rules?: Rule[] }[] };
    assert.ok(Array.isArray(doc.groups) && doc.groups.length > 0, 'groups');
    const names = new Set<string>();
    for (const group of doc.groups) {
      assert.equal(typeof group.name, 'string', 'group name');
      assert.ok(Array.isArray(group.rules) && group.rules.length > 0, `rules of ${String(group.name)}`);
      for (const rule of group.rules) {
        const name = String(rule.alert);
        assert.match(name, /^[A-Za-z_][A-Za-z0-9_]*$/, 'alert name');
        assert.ok(!names.has(name), `${name} is defined twice`);
        names.add(name);
        assert.ok(typeof rule.expr === 'string' && rule.expr.trim() !== '', `${name}: expr`);
        // Optional in Prometheus: a rule whose expr already spans its window fires at once.
        if (rule.for !== undefined) assert.match(String(rule.for), /^(\d+(ms|s|m|h|d|w|y))+$/, `${name}: for`);
        assert.ok(['critical', 'warning', 'info'].includes(String(rule.labels?.severity)), `${name}: labels.severity`);
        assert.ok(typeof rule.annotations?.summary === 'string' && rule.annotations.summary !== '', `${name}: summary`);
      }
    }
  });

  it('every metric and label a rule queries is one the bot exports', () => {
    const doc = parse(read('prometheus-rules.yaml')) as { groups: { rules: Rule[] }[] };
    const problems = doc.groups
      .flatMap((g) => g.rules)
      .flatMap((r) => {
        const expr = String(r.expr);
        // `up` is Prometheus's own series: the one rule about a replica not being scraped at all.
        if (/^absent\(up\{/.test(expr.trim())) return [];
        return checkExpr(expr, families).map((p) => `${String(r.alert)}: ${p}`);
      });
    assert.deepEqual(problems, []);
  });

  it('grafana-dashboard.json: every panel queries metrics and labels the bot exports', () => {
    type Panel = { id?: unknown; title?: unknown; panels?: Panel[]; targets?: { expr?: unknown }[] };
    const dashboard = JSON.parse(read('grafana-dashboard.json')) as {
      title?: unknown;
      uid?: unknown;
      panels?: Panel[];
    };
    assert.equal(typeof dashboard.title, 'string');
    assert.equal(typeof dashboard.uid, 'string');
    const panels: Panel[] = [];
    const walk = (list: Panel[] = []) => {
      for (const p of list) {
        panels.push(p);
        walk(p.panels);
      }
    };
    walk(dashboard.panels);
    const queried = panels.filter((p) => p.targets);
    assert.ok(queried.length > 0, 'panels with queries');
    const ids = panels.map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
    const problems: string[] = [];
    for (const panel of queried) {
      assert.ok(panel.targets!.length > 0, `${String(panel.title)}: targets`);
      for (const target of panel.targets!) {
        const expr = target.expr;
        if (typeof expr !== 'string' || expr.trim() === '') {
          problems.push(`${String(panel.title)}: a target without expr`);
          continue;
        }
        problems.push(...checkExpr(expr, families).map((p) => `${String(panel.title)}: ${p}`));
      }
    }
    assert.deepEqual(problems, []);
  });
});
