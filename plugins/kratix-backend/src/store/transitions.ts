import { KubeObject, ObjectMeta } from '@kratix-backstage/plugin-kratix-common';
import { jsonEqual } from './json';

/*
 * How a write changes a stored object, apart from persistence: the
 * Kubernetes API server's rules for the fields the store owns.
 *
 * The input's parts are copied; the result shares the parts a write leaves
 * alone with the stored object, which the store has just read for this
 * write alone: copying it again cost a stringify and a parse of the whole
 * object on every write.
 */

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/** `object` with `field` set to a copy of `value`, or without it. */
function withField<T extends object, K extends keyof T>(
  object: T,
  field: K,
  value: T[K] | undefined,
): T {
  const next = { ...object };
  if (value === undefined) {
    delete next[field];
  } else {
    next[field] = clone(value);
  }
  return next;
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
 * Labels, annotations, finalizers, spec and any other top-level field (an
 * Event's, which has no spec) from the input; status and the rest of the
 * metadata from the stored object, as a PUT without the status subresource
 * does. Generation counts spec changes only, so controllers can tell "asked
 * for something new" from metadata edits.
 */
export function updated(stored: KubeObject, input: KubeObject): KubeObject {
  let metadata = withField(stored.metadata, 'labels', input.metadata.labels);
  metadata = withField(metadata, 'annotations', input.metadata.annotations);
  metadata = withField(metadata, 'finalizers', input.metadata.finalizers);
  const { metadata: _metadata, status: _status, ...fields } = input;
  const next: KubeObject = {
    ...clone(fields),
    metadata,
    ...(stored.status === undefined ? {} : { status: stored.status }),
  };
  if (!jsonEqual(stored.spec, next.spec)) {
    metadata.generation = (stored.metadata.generation ?? 0) + 1;
  }
  return next;
}

export function statusUpdated(
  stored: KubeObject,
  input: KubeObject,
): KubeObject {
  return withField(stored, 'status', input.status);
}

export function deletionRequested(stored: KubeObject, now: Date): KubeObject {
  return {
    ...stored,
    metadata: { ...stored.metadata, deletionTimestamp: timestamp(now) },
  };
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
