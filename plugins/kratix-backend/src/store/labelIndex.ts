import {
  LabelRequirement,
  Labels,
} from '@kratix-backstage/plugin-kratix-common';
import { Knex } from 'knex';
import { jsonEqual } from './json';
import { OBJECTS_TABLE } from './rows';
import { ListOptions } from './types';

/**
 * kratix_object_labels: one row per label of every object, written in the
 * object's transaction, so a list by label reads only the objects that
 * carry the label instead of every object of the kind.
 */
export const LABELS_TABLE = 'kratix_object_labels';

export interface LabelRow {
  object_id: number;
  group: string;
  kind: string;
  key: string;
  value: string;
}

type Db = Knex | Knex.Transaction;
type Kind = { group: string; kind: string };

export function labelRows(
  objectId: number,
  type: Kind,
  labels: Labels | undefined,
): LabelRow[] {
  return Object.entries(labels ?? {}).map(([key, value]) => ({
    object_id: objectId,
    group: type.group,
    kind: type.kind,
    key,
    value,
  }));
}

export async function insertLabels(
  db: Db,
  objectId: number,
  type: Kind,
  labels: Labels | undefined,
) {
  const rows = labelRows(objectId, type, labels);
  if (rows.length) await db(LABELS_TABLE).insert(rows);
}

export async function deleteLabels(db: Db, objectId: number) {
  await db(LABELS_TABLE).where({ object_id: objectId }).delete();
}

/** Rewrites an object's label rows, only if its labels changed. */
export async function replaceLabels(
  db: Db,
  objectId: number,
  type: Kind,
  before: Labels | undefined,
  after: Labels | undefined,
) {
  if (jsonEqual(before ?? {}, after ?? {})) return;
  await deleteLabels(db, objectId);
  await insertLabels(db, objectId, type, after);
}

/** The requirements the index can answer: the label must be there. */
function indexable(selector: LabelRequirement[]) {
  return selector.filter(r => ['Equals', 'In', 'Exists'].includes(r.operator));
}

/** Rows of the index probed per requirement to find the rarest label. */
const PROBE_ROWS = 64;

function withLabel(db: Db, type: Kind, requirement: LabelRequirement) {
  const rows = db(LABELS_TABLE)
    .select('object_id')
    .where({ group: type.group, kind: type.kind, key: requirement.key });
  if (requirement.operator !== 'Exists') {
    rows.whereIn('value', requirement.values);
  }
  return rows;
}

/**
 * The requirements, the one with the fewest objects first (counted up to
 * PROBE_ROWS, so a probe costs little however common its label): a
 * request's Works are found by its name, not by its Promise's.
 */
async function rarestFirst(
  db: Db,
  type: Kind,
  requirements: LabelRequirement[],
): Promise<LabelRequirement[]> {
  if (requirements.length < 2) return requirements;
  // All probes in one statement (on SQLite they would run one by one anyway).
  const [first, ...rest] = requirements.map((requirement, i) =>
    db
      .select(db.raw(`${i} as i`))
      .count({ n: '*' })
      .from(withLabel(db, type, requirement).limit(PROBE_ROWS).as(`p${i}`)),
  );
  const rows: { i: number | string; n: number | string }[] =
    await first.unionAll(rest);
  const counts = new Map(rows.map(row => [Number(row.i), Number(row.n)]));
  return requirements
    .map((requirement, i) => ({ requirement, count: counts.get(i) ?? 0 }))
    .sort((a, b) => a.count - b.count)
    .map(({ requirement }) => requirement);
}

/**
 * kratix_objects of a kind (as `o`), in a namespace if given, narrowed by
 * the index to those with every label an Equals, In or Exists requirement
 * asks for. The rarest such label drives the query from the index (a join:
 * only the objects with it are visited); the others filter those. The
 * caller still matches the whole selector: NotEquals, NotIn and
 * DoesNotExist need no label, so the index cannot answer them. `narrowed`
 * is false when no requirement could use the index.
 */
export async function selectObjects(
  db: Db,
  type: Kind,
  options: ListOptions,
): Promise<{ query: Knex.QueryBuilder; narrowed: boolean }> {
  const query = db({ o: OBJECTS_TABLE }).where({
    'o.group': type.group,
    'o.kind': type.kind,
    ...(options.namespace !== undefined
      ? { 'o.namespace': options.namespace }
      : {}),
  });
  if (options.writtenBefore) {
    // Stored as toISOString()'s text, whose order is the time's.
    query.where('o.written_at', '<', options.writtenBefore.toISOString());
  }
  const [first, ...rest] = await rarestFirst(
    db,
    type,
    indexable(options.labelSelector ?? []),
  );
  if (first) {
    // An object has one value per key, so the join repeats no object.
    query.join({ l: LABELS_TABLE }, 'l.object_id', 'o.id').where({
      'l.group': type.group,
      'l.kind': type.kind,
      'l.key': first.key,
    });
    if (first.operator !== 'Exists') query.whereIn('l.value', first.values);
  }
  // The others are looked up per object the rarest label found (the
  // primary key is object and key): `o.id in (select ...)` would read every
  // object with a common label, a request's Promise's, each time.
  for (const requirement of rest) {
    const label = db({ r: LABELS_TABLE })
      .select(db.raw('1'))
      .where('r.object_id', db.ref('o.id'))
      .where('r.key', requirement.key);
    if (requirement.operator !== 'Exists') {
      label.whereIn('r.value', requirement.values);
    }
    query.whereExists(label);
  }
  return { query, narrowed: first !== undefined };
}
