/**
 * The simulator's stand-in for TheHive's web UI: `/alerts/{id}/details` and `/cases/{id}/details`, the links
 * the bot puts in Slack ("Open in TheHive", "open the case"), as a small readable page instead of the API's
 * JSON. Every value comes from an alert someone typed, so all of it is HTML-escaped.
 */
import type { Row } from './thehive-query-engine.js';

export interface UiPage {
  status: number;
  html: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const when = (ms: unknown) => (typeof ms === 'number' ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '');

function page(title: string, rows: [string, string][], extra = ''): string {
  const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · TheHive (sandbox)</title>
<style>body{font:14px/1.5 system-ui,sans-serif;max-width:760px;margin:2em auto;padding:0 1em;color:#222}
th{text-align:left;padding:4px 12px 4px 0;vertical-align:top;color:#666;font-weight:normal}
pre{white-space:pre-wrap;background:#f6f6f6;padding:8px;border-radius:4px}.note{color:#888;font-size:12px}</style>
</head><body><p class="note">TheHive simulator · secops-bot sandbox</p><h1>${escapeHtml(title)}</h1>
<table>${body}</table>${extra}</body></html>`;
}

export function alertPage(alert: Row | undefined, observables: Row[], caseOf: (id: string) => Row | undefined): UiPage {
  if (!alert) return { status: 404, html: page('No such alert', []) };
  const caseId = typeof alert.caseId === 'string' ? alert.caseId : null;
  const linked = caseId ? caseOf(caseId) : undefined;
  const caseCell = caseId
    ? `<a href="/cases/${encodeURIComponent(caseId)}/details">case #${escapeHtml(linked?.number ?? '?')}</a>`
    : 'none';
  const list = observables.map((o) => `<li>${escapeHtml(o.dataType)}: ${escapeHtml(o.data)}</li>`).join('');
  return {
    status: 200,
    html: page(
      `Alert ${String(alert.title ?? '')}`,
      [
        ['id', escapeHtml(alert._id)],
        ['severity', escapeHtml(alert.severityLabel ?? alert.severity)],
        ['stage / status', escapeHtml(alert.stage ?? alert.status)],
        ['created', escapeHtml(when(alert._createdAt))],
        ['source', escapeHtml(alert.source)],
        ['case', caseCell],
        ['description', `<pre>${escapeHtml(alert.description)}</pre>`],
      ],
      `<h2>Observables</h2>${list ? `<ul>${list}</ul>` : '<p>none</p>'}`,
    ),
  };
}

export function casePage(found: Row | undefined): UiPage {
  if (!found) return { status: 404, html: page('No such case', []) };
  return {
    status: 200,
    html: page(`Case #${String(found.number ?? '')} ${String(found.title ?? '')}`, [
      ['id', escapeHtml(found._id)],
      ['number', escapeHtml(found.number)],
      ['severity', escapeHtml(found.severityLabel ?? found.severity)],
      ['stage / status', escapeHtml(found.stage ?? found.status)],
      ['created', escapeHtml(when(found._createdAt))],
      ['description', `<pre>${escapeHtml(found.description)}</pre>`],
    ]),
  };
}
