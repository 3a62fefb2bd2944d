import { SecOpsError } from '../../errors.js';

/**
 * Defensive readers for Nanitor's responses. Their shapes are known only from a
 * reference script, so every surprise becomes a `bad_response` that says exactly
 * what was wrong — the digest shows that sentence to the team instead of a NaN.
 */

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badResponse(label: string, problem: string): SecOpsError {
  return new SecOpsError('bad_response', `Nanitor ${label}: ${problem}`);
}

/** A short, single-line rendering of an unexpected value, for error messages. */
function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `{items:[…, {values:{overall}}]}` → the LAST item's overall as a fraction 0..1. */
export function parseHealthScore(body: unknown): number {
  const label = 'health_scores';
  if (!isObject(body)) throw badResponse(label, `expected a JSON object, got ${show(body)}`);
  const items = body.items;
  if (!Array.isArray(items)) throw badResponse(label, 'response has no items list');
  if (items.length === 0) throw badResponse(label, 'no items');
  const last: unknown = items[items.length - 1];
  const values = isObject(last) ? last.values : undefined;
  if (!isObject(values)) throw badResponse(label, 'latest item has no values');
  const overall = values.overall;
  if (typeof overall !== 'number' || !Number.isFinite(overall)) {
    throw badResponse(label, `overall is not a number (got ${show(overall)})`);
  }
  if (overall < 0 || overall > 100) throw badResponse(label, `overall ${overall} is outside 0..100`);
  // Nanitor's UI shows percentages; a value above 1 cannot be a fraction.
  return overall > 1 ? overall / 100 : overall;
}

/** What the first page of `/issues` tells us about the count. */
export type IssueCountHint =
  | { kind: 'total'; total: number }
  | { kind: 'complete'; count: number }
  | { kind: 'paged' }
  | { kind: 'unknown'; problem: string };

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function readIssueCountHint(body: unknown): IssueCountHint {
  if (!isObject(body)) return { kind: 'unknown', problem: `expected a JSON object, got ${show(body)}` };
  if (isCount(body.total)) return { kind: 'total', total: body.total };
  if (!Array.isArray(body.items)) {
    const totalNote = body.total === undefined ? 'no total' : `total is ${show(body.total)}`;
    return { kind: 'unknown', problem: `response has ${totalNote} and no items list to count` };
  }
  // With one page (or none) the items we already hold are all there are.
  if (isCount(body.pages) && body.pages <= 1) return { kind: 'complete', count: body.items.length };
  return { kind: 'paged' };
}

/** Items of one page when counting across pages; anything else means we cannot count. */
export function readPageItems(body: unknown, page: number): unknown[] {
  if (!isObject(body) || !Array.isArray(body.items)) {
    throw badResponse('issues', `page ${page} has no items list to count`);
  }
  return body.items;
}

export function issueCountFailure(problem: string): SecOpsError {
  return badResponse('issues', problem);
}
