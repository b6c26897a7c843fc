import { NotFoundError } from '@backstage/errors';
import type {
  KubeObject,
  ObjectMeta,
} from '@kratix-backstage/plugin-kratix-common';
import type { Admission, KindInfo } from '../admission/types';
import type {
  ListOptions,
  ObjectKey,
  ObjectStore,
  PageOptions,
} from '../store/types';
import { applyMergePatch, isPlainObject } from './mergePatch';
import { jsonEqual } from '../store/json';
import {
  alreadyExists,
  badRequest,
  conflict,
  methodNotAllowed,
  notFound,
} from './errors';
import {
  KratixAppliedItem,
  KratixAlreadyExistsError,
  KratixConflictError,
  KratixInvalidError,
  KratixNotFoundError,
  REQUESTED_BY_ANNOTATION,
} from '@kratix-backstage/plugin-kratix-node';

/** What an apply did to one object, as `kubectl apply` reports it. */
export type ApplyAction = KratixAppliedItem['action'];

/**
 * Annotation holding the label and annotation keys the last apply set
 * (JSON `{"labels": [...], "annotations": [...]}`): lets a later apply
 * remove those it set itself while keeping those set by others (`kubectl
 * label`, a merge patch, the portal). Only keys, unlike kubectl's
 * `last-applied-configuration`, so a Promise carrying large dependencies
 * is not stored twice (nor hits Kubernetes' 256 KiB annotation limit).
 */
export const LAST_APPLIED_ANNOTATION = 'kratix.backstage.io/last-applied-keys';

interface AppliedKeys {
  labels: string[];
  annotations: string[];
}

/** Attempts of a read-modify-write (patch, apply) racing other writers. */
const MAX_ATTEMPTS = 5;

/** Metadata the server owns: ignored on create. */
const SERVER_METADATA: (keyof ObjectMeta)[] = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
];

export function apiVersionOf(kind: KindInfo): string {
  return kind.group ? `${kind.group}/${kind.version}` : kind.version;
}

function keyOf(kind: KindInfo, name: string, namespace?: string): ObjectKey {
  return kind.namespaced
    ? { group: kind.group, kind: kind.kind, namespace, name }
    : { group: kind.group, kind: kind.kind, name };
}

/**
 * Checks and normalises an object sent by a client for `kind`: apiVersion
 * and kind default to (and must match) the kind, the namespace defaults to
 * the request's and must match it, cluster-scoped objects lose any
 * namespace, a name is required. The input is not changed.
 */
export function normalizeIncoming(
  kind: KindInfo,
  body: Record<string, unknown>,
  namespace: string | undefined,
): KubeObject {
  const expectedApiVersion = apiVersionOf(kind);
  const apiVersion = body.apiVersion ?? expectedApiVersion;
  if (apiVersion !== expectedApiVersion) {
    throw badRequest(
      `the API version in the data (${String(
        apiVersion,
      )}) does not match the expected API version (${expectedApiVersion})`,
    );
  }
  const kindName = body.kind ?? kind.kind;
  if (kindName !== kind.kind) {
    throw badRequest(
      `the kind in the data (${String(
        kindName,
      )}) does not match the expected kind (${kind.kind})`,
    );
  }
  if (body.metadata !== undefined && !isPlainObject(body.metadata)) {
    throw badRequest('metadata must be an object');
  }
  const metadata = { ...(body.metadata ?? {}) } as Record<string, unknown>;
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    throw new KratixInvalidError(
      `${kind.kind}.${kind.group} "" is invalid: metadata.name: Required value: name is required`,
      {
        name: '',
        group: kind.group,
        kind: kind.kind,
        causes: [
          {
            field: 'metadata.name',
            message: 'Required value: name is required',
            reason: 'FieldValueRequired',
          },
        ],
      },
    );
  }
  const causes = shapeCauses(kind, body, metadata);
  if (causes.length > 0) {
    throw invalid(kind, name, causes);
  }
  if (kind.namespaced) {
    const given = metadata.namespace;
    if (given === undefined || given === '') {
      metadata.namespace = namespace;
    } else if (typeof given !== 'string') {
      throw badRequest('metadata.namespace must be a string');
    } else if (namespace !== undefined && given !== namespace) {
      throw badRequest(
        `the namespace of the provided object (${given}) does not match the namespace sent on the request (${namespace})`,
      );
    }
    if (!metadata.namespace) {
      throw badRequest(`${kind.kind} "${name}" needs a namespace`);
    }
  } else {
    delete metadata.namespace;
  }
  return {
    ...body,
    apiVersion: expectedApiVersion,
    kind: kind.kind,
    metadata: metadata as unknown as ObjectMeta,
  } as KubeObject;
}

interface Cause {
  field: string;
  message: string;
  reason: string;
}

/** A 422 `Invalid` Status, as the Kubernetes API server words it. */
function invalid(
  kind: KindInfo,
  name: string,
  causes: Cause[],
): KratixInvalidError {
  return new KratixInvalidError(
    `${kind.kind}.${kind.group} "${name}" is invalid: ${causes
      .map(c => `${c.field}: ${c.message}`)
      .join(', ')}`,
    { name, group: kind.group, kind: kind.kind, causes },
  );
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * The shape of what every object shares, checked before admission so a
 * string where a map belongs is a 422 naming the field, not a 500 or a
 * silently mangled object (a string of finalizers spread into characters).
 * A Promise-defined kind's spec is checked by the Promise's schema instead.
 */
function shapeCauses(
  kind: KindInfo,
  body: Record<string, unknown>,
  metadata: Record<string, unknown>,
): Cause[] {
  const causes: Cause[] = [];
  const typeInvalid = (field: string, value: unknown, type: string) =>
    causes.push({
      field,
      message: `Invalid value: "${typeName(
        value,
      )}": ${field} in body must be of type ${type}`,
      reason: 'FieldValueTypeInvalid',
    });
  const { annotations, finalizers } = metadata;
  if (annotations !== undefined && annotations !== null) {
    if (!isPlainObject(annotations)) {
      typeInvalid('metadata.annotations', annotations, 'object');
    } else {
      for (const [key, value] of Object.entries(annotations)) {
        if (typeof value !== 'string') {
          typeInvalid(`metadata.annotations[${key}]`, value, 'string');
        }
      }
    }
  }
  if (finalizers !== undefined && finalizers !== null) {
    if (!Array.isArray(finalizers)) {
      typeInvalid('metadata.finalizers', finalizers, 'array');
    } else {
      finalizers.forEach((f, i) => {
        if (typeof f !== 'string' || f === '') {
          causes.push({
            field: `metadata.finalizers[${i}]`,
            message: `Invalid value: ${JSON.stringify(
              f,
            )}: a finalizer must be a non-empty string`,
            reason: 'FieldValueInvalid',
          });
        }
      });
    }
  }
  if (
    kind.promiseName === undefined &&
    body.spec !== undefined &&
    body.spec !== null &&
    !isPlainObject(body.spec)
  ) {
    typeInvalid('spec', body.spec, 'object');
  }
  return causes;
}

function withoutStatus(object: KubeObject): KubeObject {
  const { status: _status, ...rest } = object;
  return rest;
}

function withoutServerMetadata(object: KubeObject): KubeObject {
  const metadata = { ...object.metadata };
  for (const field of SERVER_METADATA) {
    delete metadata[field];
  }
  return { ...object, metadata };
}

/**
 * The object operations behind the HTTP API: reads, and writes that go
 * through admission before reaching the store. Errors come out as
 * the `Kratix*Error` classes of kratix-node, in Kubernetes wording where this layer knows the object.
 */
export class ObjectOperations {
  constructor(
    private readonly store: ObjectStore,
    private readonly admission: Admission,
  ) {}

  async get(kind: KindInfo, name: string, namespace?: string) {
    const object = await this.store.get(keyOf(kind, name, namespace));
    if (!object) {
      throw notFound(kind, name);
    }
    return object;
  }

  list(
    kind: KindInfo,
    namespace: string | undefined,
    labelSelector: ListOptions['labelSelector'],
  ) {
    const options: ListOptions = {};
    if (namespace !== undefined) options.namespace = namespace;
    if (labelSelector !== undefined) options.labelSelector = labelSelector;
    return this.store.list({ group: kind.group, kind: kind.kind }, options);
  }

  /** A page of the list, with the version it was read at. */
  listPage(kind: KindInfo, options: PageOptions) {
    return this.store.listPage({ group: kind.group, kind: kind.kind }, options);
  }

  /** `requestedBy` (a user entity ref) is recorded in an annotation. */
  async create(
    kind: KindInfo,
    body: Record<string, unknown>,
    namespace?: string,
    requestedBy?: string,
  ): Promise<KubeObject> {
    assertWritable(kind);
    const object = withoutServerMetadata(
      withoutStatus(normalizeIncoming(kind, body, namespace)),
    );
    if (requestedBy) {
      object.metadata.annotations = {
        ...object.metadata.annotations,
        [REQUESTED_BY_ANNOTATION]: requestedBy,
      };
    }
    return this.createAdmitted(kind, object);
  }

  async replace(
    kind: KindInfo,
    name: string,
    body: Record<string, unknown>,
    namespace?: string,
  ): Promise<KubeObject> {
    assertWritable(kind);
    const object = withoutStatus(normalizeIncoming(kind, body, namespace));
    if (object.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const previous = await this.get(kind, name, namespace);
    const admitted = await this.admission.admit(object, previous, kind);
    return this.updateAdmitted(kind, admitted);
  }

  /** Applies an RFC 7386 merge patch to the stored object. */
  async patch(
    kind: KindInfo,
    name: string,
    patch: unknown,
    namespace?: string,
  ): Promise<KubeObject> {
    assertWritable(kind);
    if (!isPlainObject(patch)) {
      throw badRequest('a merge patch must be a JSON object');
    }
    const pinned =
      isPlainObject(patch.metadata) &&
      patch.metadata.resourceVersion !== undefined;
    for (let attempt = 1; ; attempt++) {
      const previous = await this.get(kind, name, namespace);
      const patched = applyMergePatch(withoutStatus(previous), patch);
      if (!isPlainObject(patched)) {
        throw badRequest('the patched object is not an object');
      }
      const object = normalizeIncoming(kind, patched, namespace);
      if (object.metadata.name !== name) {
        throw badRequest(
          `the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`,
        );
      }
      const admitted = await this.admission.admit(object, previous, kind);
      try {
        return await this.updateAdmitted(kind, admitted);
      } catch (error) {
        if (pinned || attempt >= MAX_ATTEMPTS || !isRetryable(error)) {
          throw error;
        }
      }
    }
  }

  /**
   * Deletes one object: answers the object, marked with its
   * deletionTimestamp, while finalizers hold it, else a Success `Status`.
   */
  async delete(
    kind: KindInfo,
    name: string,
    namespace?: string,
  ): Promise<{ gone: boolean; object: KubeObject }> {
    assertWritable(kind);
    const previous = await this.get(kind, name, namespace);
    let remaining: KubeObject | undefined;
    try {
      remaining = await this.store.delete(keyOf(kind, name, namespace));
    } catch (error) {
      if (error instanceof NotFoundError) throw notFound(kind, name);
      throw error;
    }
    return remaining
      ? { gone: false, object: remaining }
      : { gone: true, object: previous };
  }

  /**
   * Deletes every object of the kind (in the namespace, matching the
   * selector when given); answers them as they are after the delete.
   */
  async deleteCollection(
    kind: KindInfo,
    namespace: string | undefined,
    labelSelector: ListOptions['labelSelector'],
  ): Promise<KubeObject[]> {
    assertWritable(kind);
    const objects = await this.list(kind, namespace, labelSelector);
    const result: KubeObject[] = [];
    for (const object of objects) {
      try {
        const remaining = await this.store.delete(
          keyOf(kind, object.metadata.name, object.metadata.namespace),
        );
        result.push(remaining ?? object);
      } catch (error) {
        // Deleted meanwhile by someone else: already the wanted outcome.
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    return result;
  }

  /**
   * Creates the object, or updates the existing one the way `kubectl
   * apply` does: spec (and any other top-level field) from the document,
   * status and server metadata kept, labels and annotations merged three
   * ways with the keys of the last apply (removed when the previous apply
   * set them and this one does not; kept when set by someone else).
   */
  async apply(
    kind: KindInfo,
    body: Record<string, unknown>,
    requestedBy?: string,
  ): Promise<{ object: KubeObject; action: ApplyAction }> {
    assertWritable(kind);
    const given = isPlainObject(body.metadata)
      ? body.metadata.namespace
      : undefined;
    const defaultNamespace =
      typeof given === 'string' && given !== '' ? given : 'default';
    const document = withoutStatus(
      normalizeIncoming(
        kind,
        body,
        kind.namespaced ? defaultNamespace : undefined,
      ),
    );
    const { name, namespace } = document.metadata;
    const pinned = document.metadata.resourceVersion !== undefined;
    const lastApplied = appliedKeys(document);
    for (let attempt = 1; ; attempt++) {
      try {
        const existing = await this.store.get(keyOf(kind, name, namespace));
        if (!existing) {
          const object = withoutServerMetadata(document);
          object.metadata.annotations = {
            ...object.metadata.annotations,
            ...(requestedBy ? { [REQUESTED_BY_ANNOTATION]: requestedBy } : {}),
            [LAST_APPLIED_ANNOTATION]: lastApplied,
          };
          return {
            object: await this.createAdmitted(kind, object),
            action: 'created',
          };
        }
        const desired = mergeApplied(existing, document, lastApplied);
        const admitted = await this.admission.admit(desired, existing, kind);
        if (sameDesiredState(admitted, existing)) {
          return { object: existing, action: 'unchanged' };
        }
        return {
          object: await this.updateAdmitted(kind, admitted),
          action: 'configured',
        };
      } catch (error) {
        if (pinned || attempt >= MAX_ATTEMPTS || !isRetryable(error)) {
          throw error;
        }
      }
    }
  }

  private async createAdmitted(kind: KindInfo, object: KubeObject) {
    const admitted = await this.admission.admit(object, undefined, kind);
    try {
      return await this.store.create(admitted);
    } catch (error) {
      // The store's own words, in Kubernetes' for this kind.
      if (
        error instanceof KratixAlreadyExistsError ||
        error instanceof KratixConflictError
      ) {
        throw alreadyExists(kind, admitted.metadata.name, error);
      }
      throw error;
    }
  }

  private async updateAdmitted(kind: KindInfo, admitted: KubeObject) {
    try {
      return await this.store.update(admitted);
    } catch (error) {
      if (error instanceof KratixConflictError) {
        throw conflict(kind, admitted.metadata.name, error);
      }
      if (error instanceof NotFoundError) {
        throw notFound(kind, admitted.metadata.name);
      }
      throw error;
    }
  }
}

function assertWritable(kind: KindInfo) {
  if (kind.readOnly) {
    throw methodNotAllowed(kind);
  }
}

/** A lost race with another writer: reading again and retrying helps. */
function isRetryable(error: unknown): boolean {
  return (
    error instanceof KratixConflictError ||
    error instanceof KratixAlreadyExistsError ||
    error instanceof KratixNotFoundError
  );
}

/** The apply update of `existing` with `document` (see `apply`). */
function mergeApplied(
  existing: KubeObject,
  document: KubeObject,
  lastApplied: string,
): KubeObject {
  const previous = parseAppliedKeys(existing);
  const { metadata: docMeta, apiVersion, kind, ...fields } = document;
  const annotations = mergeMap(
    existing.metadata.annotations,
    docMeta.annotations,
    previous?.annotations,
  );
  annotations[LAST_APPLIED_ANNOTATION] = lastApplied;
  const metadata: ObjectMeta = {
    ...existing.metadata,
    labels: mergeMap(
      existing.metadata.labels,
      docMeta.labels,
      previous?.labels,
    ),
    annotations,
    resourceVersion:
      docMeta.resourceVersion ?? existing.metadata.resourceVersion,
  };
  if (docMeta.finalizers !== undefined) {
    metadata.finalizers = docMeta.finalizers;
  }
  const merged: KubeObject = { apiVersion, kind, metadata, ...fields };
  if (existing.status !== undefined) {
    merged.status = existing.status;
  }
  return merged;
}

/** The `LAST_APPLIED_ANNOTATION` value for a document (stable order). */
function appliedKeys(document: KubeObject): string {
  const keys: AppliedKeys = {
    labels: Object.keys(document.metadata.labels ?? {}).sort(),
    annotations: Object.keys(document.metadata.annotations ?? {})
      .filter(k => k !== LAST_APPLIED_ANNOTATION)
      .sort(),
  };
  return JSON.stringify(keys);
}

function parseAppliedKeys(object: KubeObject): AppliedKeys | undefined {
  const text = object.metadata.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text);
    const strings = (v: unknown) =>
      Array.isArray(v)
        ? v.filter((k): k is string => typeof k === 'string')
        : [];
    return isPlainObject(parsed)
      ? {
          labels: strings(parsed.labels),
          annotations: strings(parsed.annotations),
        }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Three-way merge of a string map: the document's entries win; entries
 * only in `current` stay unless the last apply had set them.
 */
function mergeMap(
  current: Record<string, string> | undefined,
  desired: Record<string, string> | undefined,
  lastApplied: string[] | undefined,
): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(current ?? {})) {
    if (lastApplied?.includes(key)) continue;
    result[key] = value;
  }
  return Object.assign(result, desired ?? {});
}

/** Whether an update would change what the user controls. */
function sameDesiredState(a: KubeObject, b: KubeObject): boolean {
  const { metadata: am, status: _as, ...af } = a;
  const { metadata: bm, status: _bs, ...bf } = b;
  return (
    jsonEqual(af, bf) &&
    jsonEqual(am.labels ?? {}, bm.labels ?? {}) &&
    jsonEqual(am.annotations ?? {}, bm.annotations ?? {}) &&
    jsonEqual(am.finalizers ?? [], bm.finalizers ?? [])
  );
}
