import { KubeObject, ObjectMeta } from '@kratix-backstage/plugin-kratix-common';
import { jsonEqual } from './json';

/*
 * How a write changes a stored object, apart from persistence: the
 * Kubernetes API server's rules for the fields the store owns.
 */

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function assign<T extends object, K extends keyof T>(
  target: T,
  field: K,
  value: T[K] | undefined,
) {
  if (value === undefined) {
    delete target[field];
  } else {
    target[field] = clone(value);
  }
}

/** Kubernetes timestamps have whole seconds: `2024-05-01T10:00:00Z`. */
export function timestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** The object as first stored; server-set fields of the input are ignored. */
export function created(
  input: KubeObject,
  server: { uid: string; resourceVersion: number; now: Date },
): KubeObject {
  const object = clone(input);
  const {
    namespace,
    uid: _uid,
    resourceVersion: _rv,
    generation: _generation,
    creationTimestamp: _created,
    deletionTimestamp: _deleted,
    ...rest
  } = object.metadata;
  const metadata: ObjectMeta = {
    ...rest,
    ...(namespace ? { namespace } : {}),
    uid: server.uid,
    resourceVersion: String(server.resourceVersion),
    generation: 1,
    creationTimestamp: timestamp(server.now),
  };
  return { ...object, metadata };
}

/**
 * Labels, annotations, finalizers and spec from the input, everything else
 * from the stored object. Generation counts spec changes only, so
 * controllers can tell "asked for something new" from metadata edits.
 */
export function updated(stored: KubeObject, input: KubeObject): KubeObject {
  const next = clone(stored);
  next.apiVersion = input.apiVersion;
  assign(next.metadata, 'labels', input.metadata.labels);
  assign(next.metadata, 'annotations', input.metadata.annotations);
  assign(next.metadata, 'finalizers', input.metadata.finalizers);
  assign(next, 'spec', input.spec);
  if (!jsonEqual(stored.spec, next.spec)) {
    next.metadata.generation = (stored.metadata.generation ?? 0) + 1;
  }
  return next;
}

export function statusUpdated(
  stored: KubeObject,
  input: KubeObject,
): KubeObject {
  const next = clone(stored);
  assign(next, 'status', input.status);
  return next;
}

export function deletionRequested(stored: KubeObject, now: Date): KubeObject {
  const next = clone(stored);
  next.metadata.deletionTimestamp = timestamp(now);
  return next;
}

/** Deleted objects wait for their finalizers; the last one removes it. */
export function isFinalized(object: KubeObject): boolean {
  return (
    Boolean(object.metadata.deletionTimestamp) &&
    !object.metadata.finalizers?.length
  );
}

export function withResourceVersion(
  object: KubeObject,
  resourceVersion: number,
): KubeObject {
  return {
    ...object,
    metadata: { ...object.metadata, resourceVersion: String(resourceVersion) },
  };
}

/** Whether a write would change nothing, so it can be skipped. */
export function unchanged(stored: KubeObject, next: KubeObject): boolean {
  return jsonEqual(stored, next);
}
