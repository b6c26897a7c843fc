import {
  LabelRequirement,
  Labels,
} from '@kratix-backstage/plugin-kratix-common';
import { Knex } from 'knex';
import { jsonEqual } from './json';

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

/**
 * Narrows a query on kratix_objects to objects that may match: those with
 * every label an Equals, In or Exists requirement asks for. The caller
 * still matches the whole selector (NotEquals, NotIn, DoesNotExist need no
 * label, so the index cannot answer them). False when nothing narrowed it.
 */
export function whereLabelsMayMatch(
  db: Db,
  query: Knex.QueryBuilder,
  type: Kind,
  selector: LabelRequirement[] | undefined,
): boolean {
  const usable = indexable(selector ?? []);
  for (const requirement of usable) {
    const withLabel = db(LABELS_TABLE)
      .select('object_id')
      .where({ group: type.group, kind: type.kind, key: requirement.key });
    if (requirement.operator !== 'Exists') {
      withLabel.whereIn('value', requirement.values);
    }
    query.whereIn('id', withLabel);
  }
  return usable.length > 0;
}
