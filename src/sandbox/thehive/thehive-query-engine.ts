/**
 * The part of TheHive's v1 Query API (`POST /api/v1/query`) the simulator serves: a pipeline of
 * `{_name: ...}` steps — a source (listAlert, getAlert, listCase, getCase), optional `observables`,
 * then filter / sort / page / count. Unknown operations, operators and properties are refused with
 * 400 BadRequest the way TheHive (ScalliGraph) refuses them, so a client that builds a query the
 * real server would reject fails here too.
 */

export type Row = Record<string, unknown>;
export type EntityType = 'Alert' | 'Case' | 'Observable';

export class TheHiveQueryError extends Error {
  readonly status: number;
  readonly type: string;

  constructor(status: 400 | 404, message: string) {
    super(message);
    this.status = status;
    this.type = status === 404 ? 'NotFoundError' : 'BadRequest';
  }
}

export interface QuerySources {
  alerts(): readonly Row[];
  alert(id: string): Row | undefined;
  cases(): readonly Row[];
  case(id: string): Row | undefined;
  observablesOf(entity: EntityType, id: string): readonly Row[];
  /** Public property names per entity; a filter or sort on anything else is a 400. */
  properties(entity: EntityType): ReadonlySet<string>;
}

interface Traversal {
  entity: EntityType;
  rows: readonly Row[];
  /** getAlert/getCase answer one object, not a list, unless more steps follow. */
  single: boolean;
}

type Predicate = (row: Row) => boolean;

export function runQuery(steps: unknown, sources: QuerySources): unknown {
  if (!Array.isArray(steps) || steps.length === 0) throw badRequest('query must be a non-empty array of operations');
  let traversal: Traversal | undefined;
  for (const step of steps) {
    if (!isObject(step) || typeof step._name !== 'string') throw badRequest('each query operation needs a _name');
    const { _name: name, ...args } = step;
    if (traversal === undefined) {
      traversal = startTraversal(name, args, sources);
      continue;
    }
    if (name === 'count') return traversal.rows.length;
    traversal = applyStep(traversal, name, args, sources);
  }
  if (traversal === undefined) throw badRequest('empty query');
  return traversal.single ? traversal.rows[0] : traversal.rows;
}

function startTraversal(name: string, args: Row, sources: QuerySources): Traversal {
  switch (name) {
    case 'listAlert':
      return { entity: 'Alert', rows: sources.alerts(), single: false };
    case 'listCase':
      return { entity: 'Case', rows: sources.cases(), single: false };
    case 'getAlert':
    case 'getCase': {
      const id = args.idOrName;
      if (typeof id !== 'string') throw badRequest(`${name} needs idOrName`);
      const entity = name === 'getAlert' ? 'Alert' : 'Case';
      const row = entity === 'Alert' ? sources.alert(id) : sources.case(id);
      if (row === undefined) throw new TheHiveQueryError(404, `${entity} ${id} not found`);
      return { entity, rows: [row], single: true };
    }
    default:
      throw badRequest(`Query operation ${name} not found or not applicable at the start of a query`);
  }
}

function applyStep(traversal: Traversal, name: string, args: Row, sources: QuerySources): Traversal {
  const { entity, rows } = traversal;
  switch (name) {
    case 'observables':
      if (entity === 'Observable') throw badRequest('observables does not apply to Observable');
      return {
        entity: 'Observable',
        rows: rows.flatMap((row) => sources.observablesOf(entity, String(row._id))),
        single: false,
      };
    case 'filter': {
      const matches = compileFilter(args, entity, sources.properties(entity));
      return { entity, rows: rows.filter(matches), single: false };
    }
    case 'sort':
      return { entity, rows: sortRows(rows, args._fields, entity, sources.properties(entity)), single: false };
    case 'page':
      return { entity, rows: pageRows(rows, args), single: false };
    default:
      throw badRequest(`Query operation ${name} not found for ${entity}`);
  }
}

function compileFilter(expr: unknown, entity: EntityType, props: ReadonlySet<string>): Predicate {
  if (!isObject(expr)) throw badRequest('filter must be an object');
  const keys = Object.keys(expr);
  // thehive4py's Eq is the bare {_field, _value} form.
  if (keys.length === 2 && '_field' in expr && '_value' in expr) return comparison('_eq', expr, entity, props);
  if (keys.length !== 1) throw badRequest(`filter must have exactly one operator, got ${keys.join(', ') || 'none'}`);
  const op = keys[0]!;
  const arg = expr[op];
  switch (op) {
    case '_and':
    case '_or': {
      if (!Array.isArray(arg)) throw badRequest(`${op} needs an array`);
      const parts = arg.map((sub) => compileFilter(sub, entity, props));
      return op === '_and' ? (row) => parts.every((p) => p(row)) : (row) => parts.some((p) => p(row));
    }
    case '_not': {
      const inner = compileFilter(arg, entity, props);
      return (row) => !inner(row);
    }
    case '_any':
      return () => true;
    case '_id':
      if (typeof arg !== 'string') throw badRequest('_id needs a string');
      return (row) => row._id === arg;
    case '_in': {
      if (!isObject(arg) || !Array.isArray(arg._values)) throw badRequest('_in needs {_field, _values: [...]}');
      const field = fieldName(arg._field, entity, props);
      const wanted = new Set(arg._values);
      const isWanted = (v: unknown) => wanted.has(v);
      return (row) => anyValue(row, field, isWanted);
    }
    case '_between': {
      if (!isObject(arg)) throw badRequest('_between needs {_field, _from, _to}');
      const field = fieldName(arg._field, entity, props);
      const from = arg._from;
      const to = arg._to;
      const inRange = (v: unknown) =>
        (from === undefined || compare(v, from) >= 0) && (to === undefined || compare(v, to) < 0);
      return (row) => anyValue(row, field, inRange);
    }
    case '_has':
    case '_contains': {
      const field = fieldName(arg, entity, props);
      return (row) => anyValue(row, field, () => true);
    }
    case '_eq':
    case '_ne':
    case '_lt':
    case '_gt':
    case '_lte':
    case '_gte':
      if (!isObject(arg)) throw badRequest(`${op} needs {_field, _value}`);
      return comparison(op, arg, entity, props);
    default:
      throw badRequest(`Invalid filter operator ${op}`);
  }
}

function comparison(op: string, arg: Row, entity: EntityType, props: ReadonlySet<string>): Predicate {
  const field = fieldName(arg._field, entity, props);
  const value = arg._value;
  const test = (v: unknown): boolean => {
    const order = compare(v, value);
    if (op === '_eq') return v === value;
    if (op === '_ne') return v !== value;
    if (Number.isNaN(order)) return false;
    if (op === '_lt') return order < 0;
    if (op === '_gt') return order > 0;
    if (op === '_lte') return order <= 0;
    return order >= 0;
  };
  if (op === '_ne') return (row) => !anyValue(row, field, (v) => !test(v));
  return (row) => anyValue(row, field, test);
}

function sortRows(
  rows: readonly Row[],
  fields: unknown,
  entity: EntityType,
  props: ReadonlySet<string>,
): readonly Row[] {
  if (!Array.isArray(fields)) throw badRequest('sort needs _fields: [{field: "asc"|"desc"}]');
  const orders = fields.map((spec) => {
    if (!isObject(spec) || Object.keys(spec).length !== 1) throw badRequest('each sort field is {field: "asc"|"desc"}');
    const [name, direction] = Object.entries(spec)[0]!;
    if (direction !== 'asc' && direction !== 'desc')
      throw badRequest(`sort order must be asc or desc, got ${direction}`);
    return { field: fieldName(name, entity, props), sign: direction === 'asc' ? 1 : -1 };
  });
  const byOrders = (a: Row, b: Row): number => {
    for (let i = 0; i < orders.length; i++) {
      const { field, sign } = orders[i]!;
      const order = compareForSort(a[field], b[field]);
      if (order !== 0) return order * sign;
    }
    return 0;
  };
  // Alerts mostly arrive in creation order, and every page request sorts them again: skip the copy when it is a no-op.
  for (let i = 1; i < rows.length; i++) {
    if (byOrders(rows[i - 1]!, rows[i]!) > 0) return [...rows].sort(byOrders);
  }
  return rows;
}

function pageRows(rows: readonly Row[], args: Row): readonly Row[] {
  const { from, to } = args;
  if (!Number.isInteger(from) || !Number.isInteger(to) || (from as number) < 0 || (to as number) < (from as number)) {
    throw badRequest('page needs integers 0 <= from <= to');
  }
  return rows.slice(from as number, to as number);
}

function fieldName(field: unknown, entity: EntityType, props: ReadonlySet<string>): string {
  if (typeof field !== 'string' || field === '') throw badRequest('_field must be a property name');
  const root = field.split('.')[0]!;
  if (!props.has(root)) throw badRequest(`Property ${field} for type ${entity} not found`);
  return root;
}

/** Multi-valued properties such as tags match when any element matches; an absent value matches nothing. */
function anyValue(row: Row, field: string, test: (value: unknown) => boolean): boolean {
  const value = row[field];
  if (value === undefined || value === null) return false;
  return Array.isArray(value) ? value.some(test) : test(value);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return Number.NaN;
}

function compareForSort(a: unknown, b: unknown): number {
  if (a === undefined || a === null) return b === undefined || b === null ? 0 : 1;
  if (b === undefined || b === null) return -1;
  const order = compare(a, b);
  return Number.isNaN(order) ? 0 : order;
}

function isObject(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function badRequest(message: string): TheHiveQueryError {
  return new TheHiveQueryError(400, message);
}
