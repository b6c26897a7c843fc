import { InputError } from '@backstage/errors';
import {
  KubeObject,
  Labels,
  parseApiVersion,
} from '@kratix-backstage/plugin-kratix-common';
import { ObjectKey } from './types';

export const OBJECTS_TABLE = 'kratix_objects';

export interface ObjectRow {
  id: number;
  group: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resource_version: number | string;
  generation: number;
  labels: string;
  body: string;
  deletion_timestamp: string | null;
  created_at: string;
  /** When the row was last written, as toISOString() writes it. */
  written_at: string;
}

/** The row's identifying columns; namespace is '' for cluster scope. */
export interface RowKey {
  group: string;
  kind: string;
  namespace: string;
  name: string;
}

export function rowKey(key: ObjectKey): RowKey {
  return {
    group: key.group,
    kind: key.kind,
    namespace: key.namespace ?? '',
    name: key.name,
  };
}

export function keyOf(object: KubeObject): RowKey {
  if (!object || typeof object !== 'object' || !object.metadata) {
    throw new InputError('object must have metadata');
  }
  const { apiVersion, kind, metadata } = object;
  if (!apiVersion || !kind || !metadata.name) {
    throw new InputError('object must have apiVersion, kind and metadata.name');
  }
  return rowKey({
    group: parseApiVersion(apiVersion).group,
    kind,
    namespace: metadata.namespace || undefined,
    name: metadata.name,
  });
}

export function describe(key: { kind: string; name: string }): string {
  return `${key.kind} "${key.name}"`;
}

/**
 * The row for an object written at `now`. The body is the whole object; the
 * other columns repeat parts of it for querying and are written in the same
 * statement.
 */
export function toRow(
  key: RowKey,
  object: KubeObject,
  now: Date,
): Omit<ObjectRow, 'id'> {
  const { metadata } = object;
  return {
    ...key,
    uid: metadata.uid!,
    resource_version: Number(metadata.resourceVersion),
    generation: metadata.generation!,
    labels: JSON.stringify(metadata.labels ?? {}),
    body: JSON.stringify(object),
    deletion_timestamp: metadata.deletionTimestamp ?? null,
    created_at: metadata.creationTimestamp!,
    written_at: now.toISOString(),
  };
}

/** A fresh copy of the stored object on every call: callers mutate them. */
export function fromRow(row: Pick<ObjectRow, 'body'>): KubeObject {
  return JSON.parse(row.body);
}

export function labelsOf(row: Pick<ObjectRow, 'labels'>): Labels {
  return JSON.parse(row.labels);
}
