/*
 * Small in-memory fakes of the interfaces the router codes against, honouring
 * their documented semantics, so the API is tested without the engine.
 */
import { NotFoundError } from '@backstage/errors';
import {
  KubeObject,
  matchesLabelSelector,
} from '@kratix-backstage/plugin-kratix-common';
import {
  AlreadyExistsError,
  InvalidObjectError,
  ResourceVersionConflictError,
} from '../../engine/errors';
import type { Admission, KindInfo } from '../../engine/types';
import type {
  ListOptions,
  ObjectChange,
  ObjectKey,
  ObjectStore,
} from '../../store/types';

const clone = <T>(value: T): T =>
  value === undefined ? value : JSON.parse(JSON.stringify(value));

function mapKey(key: {
  group: string;
  kind: string;
  namespace?: string;
  name: string;
}) {
  return `${key.group}/${key.kind}/${key.namespace ?? ''}/${key.name}`;
}

function groupOf(apiVersion: string) {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

export class FakeObjectStore implements ObjectStore {
  readonly objects = new Map<string, KubeObject>();
  private readonly listeners = new Set<(change: ObjectChange) => void>();
  private version = 0;
  private uid = 0;
  /** Every write, for assertions: `create Destination/worker-1`. */
  readonly writes: string[] = [];
  /** The last list options received. */
  lastListOptions?: ListOptions;

  private keyOf(object: KubeObject) {
    return mapKey({
      group: groupOf(object.apiVersion),
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
    });
  }

  private notify(change: ObjectChange) {
    for (const listener of this.listeners) listener(clone(change));
  }

  async get(key: ObjectKey) {
    return clone(this.objects.get(mapKey(key)));
  }

  async list(type: { group: string; kind: string }, options?: ListOptions) {
    this.lastListOptions = options;
    return [...this.objects.values()]
      .filter(
        o =>
          groupOf(o.apiVersion) === type.group &&
          o.kind === type.kind &&
          (options?.namespace === undefined ||
            o.metadata.namespace === options.namespace) &&
          (!options?.labelSelector ||
            matchesLabelSelector(options.labelSelector, o.metadata.labels)),
      )
      .sort((a, b) =>
        `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(
          `${b.metadata.namespace}/${b.metadata.name}`,
        ),
      )
      .map(clone);
  }

  async create(input: KubeObject) {
    const key = this.keyOf(input);
    if (this.objects.has(key)) {
      throw new AlreadyExistsError(
        `${input.kind} ${input.metadata.name} already exists`,
      );
    }
    const object = clone(input);
    object.metadata = {
      ...object.metadata,
      uid: `uid-${++this.uid}`,
      resourceVersion: String(++this.version),
      generation: 1,
      creationTimestamp: '2024-01-01T00:00:00Z',
    };
    delete object.metadata.deletionTimestamp;
    this.objects.set(key, object);
    this.writes.push(`create ${object.kind}/${object.metadata.name}`);
    this.notify({ type: 'ADDED', object });
    return clone(object);
  }

  async update(input: KubeObject) {
    const key = this.keyOf(input);
    const stored = this.objects.get(key);
    if (!stored) {
      throw new NotFoundError(`${input.kind} ${input.metadata.name} not found`);
    }
    if (
      input.metadata.resourceVersion !== undefined &&
      input.metadata.resourceVersion !== stored.metadata.resourceVersion
    ) {
      throw new ResourceVersionConflictError('stale resourceVersion');
    }
    const specChanged =
      JSON.stringify(input.spec) !== JSON.stringify(stored.spec);
    const object: KubeObject = clone({
      ...stored,
      spec: input.spec,
      metadata: {
        ...stored.metadata,
        labels: input.metadata.labels,
        annotations: input.metadata.annotations,
        finalizers: input.metadata.finalizers,
        resourceVersion: String(++this.version),
        generation: (stored.metadata.generation ?? 1) + (specChanged ? 1 : 0),
      },
    });
    this.writes.push(`update ${object.kind}/${object.metadata.name}`);
    if (
      object.metadata.deletionTimestamp &&
      !object.metadata.finalizers?.length
    ) {
      this.objects.delete(key);
      this.notify({ type: 'DELETED', object, previous: stored });
      return clone(object);
    }
    this.objects.set(key, object);
    this.notify({ type: 'MODIFIED', object, previous: stored });
    return clone(object);
  }

  async updateStatus(input: KubeObject) {
    const key = this.keyOf(input);
    const stored = this.objects.get(key);
    if (!stored) throw new NotFoundError('not found');
    const object = {
      ...stored,
      status: clone(input.status),
      metadata: { ...stored.metadata, resourceVersion: String(++this.version) },
    };
    this.objects.set(key, object);
    this.notify({ type: 'MODIFIED', object, previous: stored });
    return clone(object);
  }

  async delete(key: ObjectKey) {
    const k = mapKey(key);
    const stored = this.objects.get(k);
    if (!stored) throw new NotFoundError(`${key.kind} ${key.name} not found`);
    this.writes.push(`delete ${key.kind}/${key.name}`);
    if (stored.metadata.finalizers?.length) {
      if (!stored.metadata.deletionTimestamp) {
        stored.metadata.deletionTimestamp = '2024-01-02T00:00:00Z';
        stored.metadata.resourceVersion = String(++this.version);
        this.notify({ type: 'MODIFIED', object: stored });
      }
      return clone(stored);
    }
    this.objects.delete(k);
    this.notify({ type: 'DELETED', object: stored });
    return undefined;
  }

  onChange(listener: (change: ObjectChange) => void) {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}

/**
 * Admission that defaults a Destination's `spec.path` to its name and
 * rejects a non-boolean `spec.enableDataCollection` and label values that
 * are not strings.
 */
export class FakeAdmission implements Admission {
  readonly calls: { name: string; previous: boolean }[] = [];

  async admit(
    object: KubeObject,
    previous: KubeObject | undefined,
    kind: KindInfo,
  ) {
    this.calls.push({ name: object.metadata.name, previous: !!previous });
    const causes = [];
    for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
      if (typeof value !== 'string') {
        causes.push({
          field: `metadata.labels.${key}`,
          message: 'Invalid value: must be a string',
          reason: 'FieldValueInvalid',
        });
      }
    }
    if (
      kind.promiseName &&
      object.spec?.enableDataCollection !== undefined &&
      typeof object.spec.enableDataCollection !== 'boolean'
    ) {
      causes.push({
        field: 'spec.enableDataCollection',
        message: `Invalid value: "${object.spec.enableDataCollection}": must be a boolean`,
        reason: 'FieldValueTypeInvalid',
      });
    }
    if (causes.length) {
      throw new InvalidObjectError(kind.kind, object.metadata.name, causes);
    }
    if (kind.kind === 'Destination') {
      return {
        ...object,
        spec: { path: object.metadata.name, ...object.spec },
      };
    }
    return object;
  }
}
