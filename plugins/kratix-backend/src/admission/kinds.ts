import {
  KRATIX_GROUP,
  KRATIX_VERSION,
  PromiseObject,
  parseApiVersion,
} from '@kratix-backstage/plugin-kratix-common';
import { ObjectStore } from '../store/types';
import { KindInfo, KindRegistry } from './types';

const builtIn = (
  kind: string,
  plural: string,
  namespaced: boolean,
  readOnly = false,
): KindInfo => ({
  group: KRATIX_GROUP,
  version: KRATIX_VERSION,
  kind,
  plural,
  namespaced,
  readOnly,
});

export const PROMISE_KIND = builtIn('Promise', 'promises', false);
export const DESTINATION_KIND = builtIn('Destination', 'destinations', false);
export const FILESYSTEM_STATE_STORE_KIND = builtIn(
  'FilesystemStateStore',
  'filesystemstatestores',
  false,
);
export const WORK_KIND = builtIn('Work', 'works', true, true);
export const WORK_PLACEMENT_KIND = builtIn(
  'WorkPlacement',
  'workplacements',
  true,
  true,
);

/**
 * Kubernetes core kinds the engine writes about itself: a pipeline run is
 * a Pod (where Kratix runs one), what happened an Event. Read-only: only
 * the engine writes them, and it bounds how many it keeps.
 */
const coreKind = (kind: string, plural: string): KindInfo => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  namespaced: true,
  readOnly: true,
});
export const POD_KIND = coreKind('Pod', 'pods');
export const EVENT_KIND = coreKind('Event', 'events');

export const BUILT_IN_KINDS: KindInfo[] = [
  PROMISE_KIND,
  DESTINATION_KIND,
  FILESYSTEM_STATE_STORE_KIND,
  WORK_KIND,
  WORK_PLACEMENT_KIND,
  POD_KIND,
  EVENT_KIND,
];

/** The kind a Promise's `spec.api` defines, or undefined when it has none. */
export function promiseApiKind(promise: PromiseObject): KindInfo | undefined {
  const api = promise.spec?.api?.spec;
  if (
    !api?.group ||
    !api.names?.kind ||
    !api.names.plural ||
    !Array.isArray(api.versions)
  ) {
    return undefined;
  }
  const version =
    api.versions?.find(v => v.storage)?.name ?? api.versions?.[0]?.name;
  if (!version) {
    return undefined;
  }
  return {
    group: api.group,
    version,
    kind: api.names.kind,
    plural: api.names.plural,
    namespaced: true,
    promiseName: promise.metadata.name,
  };
}

/**
 * Built-in kinds plus the kinds installed Promises define. Kept in memory and
 * updated synchronously on every Promise write, so a multi-document apply can
 * create a Promise and then a request of its kind in one go.
 */
export class InMemoryKindRegistry implements KindRegistry {
  private readonly promiseKinds = new Map<string, KindInfo>();
  private readonly promises = new Map<string, PromiseObject>();

  /**
   * @param stateStoreKinds - the kinds state store writer factories serve,
   *   each with the schema its objects are admitted against
   */
  constructor(
    private readonly stateStoreKinds: (KindInfo & {
      schema?: Record<string, unknown>;
    })[] = [],
  ) {}

  /** The schema a state store kind's factory brought, if any. */
  stateStoreSchema(kind: string): Record<string, unknown> | undefined {
    return this.stateStoreKinds.find(k => k.kind === kind)?.schema;
  }

  setPromise(promise: PromiseObject) {
    this.promises.set(promise.metadata.name, promise);
    const info = promiseApiKind(promise);
    if (info) {
      this.promiseKinds.set(promise.metadata.name, info);
    } else {
      this.promiseKinds.delete(promise.metadata.name);
    }
  }

  removePromise(name: string) {
    this.promiseKinds.delete(name);
    this.promises.delete(name);
  }

  /** The last written version of a Promise, for schema validation. */
  promiseObject(name: string): PromiseObject | undefined {
    return this.promises.get(name);
  }

  forPromise(name: string): KindInfo | undefined {
    return this.promiseKinds.get(name);
  }

  list(): KindInfo[] {
    return [
      ...BUILT_IN_KINDS,
      ...this.stateStoreKinds.map(({ schema, ...info }) => info),
      ...this.promiseKinds.values(),
    ];
  }

  byPlural(group: string, version: string, plural: string) {
    return (
      this.list().find(
        k => k.group === group && k.version === version && k.plural === plural,
      ) ??
      this.servedVersion(k => k.group === group && k.plural === plural, version)
    );
  }

  byKind(apiVersion: string, kind: string) {
    const { group, version } = parseApiVersion(apiVersion);
    return (
      this.list().find(
        k =>
          (k.group ? `${k.group}/${k.version}` : k.version) === apiVersion &&
          k.kind === kind,
      ) ??
      this.servedVersion(k => k.group === group && k.kind === kind, version)
    );
  }

  /**
   * Every version a Promise's API serves is requestable, as with a CRD;
   * objects are stored by group and kind, as sent (no conversion).
   */
  private servedVersion(match: (k: KindInfo) => boolean, version: string) {
    const kind = [...this.promiseKinds.values()].find(match);
    if (!kind) return undefined;
    const promise = this.promises.get(kind.promiseName!);
    const served = (promise?.spec?.api?.spec?.versions ?? []).some(
      v => v.name === version && v.served !== false,
    );
    return served ? { ...kind, version } : undefined;
  }

  /** The Promise-defined kind with this group and kind, whatever the version. */
  byGroupKind(group: string, kind: string) {
    return [...this.promiseKinds.values()].find(
      k => k.group === group && k.kind === kind,
    );
  }
}

export function isStateStoreKind(info: KindInfo) {
  return info.group === KRATIX_GROUP && info.kind.endsWith('StateStore');
}

/** Kinds are compared by group and kind, never by object identity. */
export function sameKind(a: KindInfo, b: KindInfo) {
  return a.group === b.group && a.kind === b.kind;
}

/**
 * Keeps the registry in step with stored Promises, synchronously on every
 * write, so the kind a Promise defines is requestable the moment it is
 * stored. Returns the unsubscribe function.
 */
export async function followPromiseKinds(
  store: ObjectStore,
  kinds: InMemoryKindRegistry,
): Promise<() => void> {
  const unsubscribe = store.onChange(({ type, object }) => {
    if (object.apiVersion !== `${KRATIX_GROUP}/${KRATIX_VERSION}`) return;
    if (object.kind !== PROMISE_KIND.kind) return;
    if (type === 'DELETED') kinds.removePromise(object.metadata.name);
    else kinds.setPromise(object as PromiseObject);
  });
  for (const p of await store.list(PROMISE_KIND)) {
    kinds.setPromise(p as PromiseObject);
  }
  return unsubscribe;
}
