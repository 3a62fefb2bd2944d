/**
 * Bodies for TheHive's v1 Query API (`POST /api/v1/query`), in the syntax both 4.1 and 5 parse:
 * a list of `{_name}` steps with filters such as `{_in: {_field, _values}}`.
 */

import { OBSERVABLES_MAX_COUNT } from '../../core/sla/fact-bounds.js';

export type TheHiveVariant = 4 | 5;

// TheHive 5 moves alerts through fixed stages; statuses are customisable per organisation, so
// filtering on the stage is the only way to catch every open alert there.
const OPEN_STAGES_5 = ['New', 'InProgress'];
// TheHive 4.1 has no stage; an alert is open until it is Imported or Ignored.
const OPEN_STATUSES_4 = ['New', 'Updated'];

export function openAlertsPageQuery(variant: TheHiveVariant, from: number, to: number): { query: unknown[] } {
  const open =
    variant === 5
      ? { _in: { _field: 'stage', _values: OPEN_STAGES_5 } }
      : { _in: { _field: 'status', _values: OPEN_STATUSES_4 } };
  return {
    query: [
      { _name: 'listAlert' },
      { _name: 'filter', ...open },
      { _name: 'sort', _fields: [{ _createdAt: 'asc' }] },
      { _name: 'page', from, to },
    ],
  };
}

/**
 * The bot keeps at most OBSERVABLES_MAX_COUNT observables (src/core/sla/fact-bounds.ts); twice as
 * many leaves room for duplicates and file observables, and spares TheHive and the poll the rest
 * of an alert with ten thousand.
 */
const OBSERVABLES_FETCH_MAX = 2 * OBSERVABLES_MAX_COUNT;

export function alertObservablesQuery(alertId: string, max = OBSERVABLES_FETCH_MAX): { query: unknown[] } {
  return {
    query: [{ _name: 'getAlert', idOrName: alertId }, { _name: 'observables' }, { _name: 'page', from: 0, to: max }],
  };
}

/**
 * TheHive 4.1 (ScalliGraph) refuses a filter on a property the type does not have with
 * 400 "Property stage for type … not found": that is how a 4.1 server reveals itself.
 */
export function isMissingStageProperty(message: string): boolean {
  // Two linear searches: /\bproperty stage\b.*not found/ scanned to the end of the message from
  // every "property stage" in it, which a large 400 body made quadratic.
  const text = message.toLowerCase();
  const at = text.search(/\bproperty stage\b/);
  return at >= 0 && text.includes('not found', at);
}
