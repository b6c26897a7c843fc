import {
  BackstageCredentials,
  coreServices,
  createServiceFactory,
  createServiceRef,
} from '@backstage/backend-plugin-api';
import type { KubeObject } from '@kratix-backstage/plugin-kratix-common';

/** A kind, named as in a manifest: `platform.kratix.io/v1alpha1` + `Destination`. */
export interface KratixKindRef {
  apiVersion: string;
  kind: string;
}

/** One object: its kind, name and (for namespaced kinds) namespace. */
export interface KratixObjectRef extends KratixKindRef {
  name: string;
  namespace?: string;
}

/** Every call is made on behalf of someone, and checked as the HTTP API checks it. */
export interface KratixCallOptions {
  credentials: BackstageCredentials;
}

export interface KratixListOptions extends KratixCallOptions {
  namespace?: string;
  /** Kubernetes label selector syntax: `environment=dev,tier in (a,b),!x`. */
  labelSelector?: string;
  /**
   * Kubernetes field selector syntax, `a=b,c!=d`: `metadata.name` and
   * `metadata.namespace` for every kind, and Kubernetes' own fields for
   * Pods (`status.phase`) and Events (`involvedObject.*`, `reason`, `type`).
   */
  fieldSelector?: string;
  /** At most this many items; `continue` then names the next page. */
  limit?: number;
  continue?: string;
}

export interface KratixList<T extends KubeObject = KubeObject> {
  items: T[];
  /** The version the list was read at: watch from it to miss nothing. */
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface KratixWatchOptions extends KratixCallOptions {
  /**
   * Changes after this version. Absent or "0": every current object as
   * ADDED first, then the changes, as kube-apiserver does.
   */
  resourceVersion?: string;
  labelSelector?: string;
  namespace?: string;
  /**
   * Also BOOKMARK events now and then, as kube-apiserver's
   * `allowWatchBookmarks`: the version the watch has reached, so a
   * watcher that restarts from it misses nothing and replays little.
   */
  allowBookmarks?: boolean;
  /** Ends the watch (the iterator returns). */
  signal: AbortSignal;
}

export interface KratixWatchEvent<T extends KubeObject = KubeObject> {
  /** With a label selector, objects that start or stop matching are ADDED or DELETED. */
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

/** Only with `allowBookmarks`: the version a watch has reached. */
export interface KratixBookmarkEvent {
  type: 'BOOKMARK';
  object: {
    apiVersion: string;
    kind: string;
    metadata: { resourceVersion: string };
  };
}

/** A watch: its events, and when it was accepted. */
export interface KratixWatch<E = KratixWatchEvent> extends AsyncIterable<E> {
  /**
   * Resolves once the watch is accepted (kind, permissions, selector and
   * version checked), before any event; rejects with the error iterating
   * would throw. An HTTP server answers its status from this.
   */
  readonly accepted: Promise<void>;
}

/** What a delete did. */
export interface KratixDeleteResult<T extends KubeObject = KubeObject> {
  /** False while finalizers hold the object. */
  gone: boolean;
  /** As it was removed, or held with its `deletionTimestamp`. */
  object: T;
}

export interface KratixDeleteCollectionOptions extends KratixCallOptions {
  namespace?: string;
  labelSelector?: string;
}

/** What one apply did to one object, as `kubectl apply` reports it. */
export interface KratixAppliedItem {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  action: 'created' | 'configured' | 'unchanged';
}

export interface KratixApplyResult {
  kind: 'List';
  apiVersion: 'v1';
  items: KratixAppliedItem[];
}

/** A kind the engine serves: Kratix's own, or one a Promise defines. */
export interface KratixKindInfo extends KratixKindRef {
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  /** Written by the engine only (Works, WorkPlacements). */
  readOnly: boolean;
  /** For kinds a Promise's `spec.api` defines. */
  promiseName?: string;
  /** The served version's `openAPIV3Schema`, for kinds a Promise defines. */
  schema?: Record<string, unknown>;
}

/**
 * The engine's objects without HTTP: for other backend plugins and modules
 * (catalog, scaffolder) in the same backend as the Kratix plugin. Errors
 * are the `Kratix*Error` classes below.
 */
export interface KratixObjectService {
  get<T extends KubeObject = KubeObject>(
    ref: KratixObjectRef,
    options: KratixCallOptions,
  ): Promise<T>;
  list<T extends KubeObject = KubeObject>(
    kind: KratixKindRef,
    options: KratixListOptions,
  ): Promise<KratixList<T>>;
  /** Server metadata and status in `object` are ignored. */
  create<T extends KubeObject = KubeObject>(
    object: KubeObject,
    options: KratixCallOptions,
  ): Promise<T>;
  /** Replaces the object (PUT); a `metadata.resourceVersion` pins the version. */
  update<T extends KubeObject = KubeObject>(
    object: KubeObject,
    options: KratixCallOptions,
  ): Promise<T>;
  /** RFC 7386 JSON merge patch (`null` removes a key). */
  patch<T extends KubeObject = KubeObject>(
    ref: KratixObjectRef,
    mergePatch: Record<string, unknown>,
    options: KratixCallOptions,
  ): Promise<T>;
  /** `kubectl apply`: objects, or multi-document YAML text. */
  apply(
    objectsOrYaml: KubeObject[] | string,
    options: KratixCallOptions,
  ): Promise<KratixApplyResult>;
  /** Deletes the object, or marks it deleted while finalizers hold it. */
  delete<T extends KubeObject = KubeObject>(
    ref: KratixObjectRef,
    options: KratixCallOptions,
  ): Promise<KratixDeleteResult<T>>;
  /**
   * Deletes every object of the kind (in the namespace, matching the
   * selector), each checked as `delete` checks it before any is deleted;
   * answers them as `delete` does.
   */
  deleteCollection<T extends KubeObject = KubeObject>(
    kind: KratixKindRef,
    options: KratixDeleteCollectionOptions,
  ): Promise<T[]>;
  watch<T extends KubeObject = KubeObject>(
    kind: KratixKindRef,
    options: KratixWatchOptions & { allowBookmarks?: false },
  ): KratixWatch<KratixWatchEvent<T>>;
  watch<T extends KubeObject = KubeObject>(
    kind: KratixKindRef,
    options: KratixWatchOptions,
  ): KratixWatch<KratixWatchEvent<T> | KratixBookmarkEvent>;
  /** Every kind served now, with the schemas of the kinds Promises define. */
  listKinds(options: KratixCallOptions): Promise<KratixKindInfo[]>;
}

/** A failing field of an invalid object, as in Kubernetes' `StatusCause`. */
export interface KratixFieldCause {
  field: string;
  message: string;
  reason: string;
}

/** Kubernetes `StatusDetails`, with room for extra keys. */
export interface KratixErrorDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: KratixFieldCause[];
  [key: string]: unknown;
}

/**
 * Base of the object service's errors. `code` and `reason` are the
 * Kubernetes Status the HTTP API answers with; callers tell the cases
 * apart by class (`instanceof KratixNotFoundError`).
 */
export class KratixObjectError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: KratixErrorDetails,
    cause?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
    if (cause !== undefined) {
      // Not enumerable: the message is what clients see; the cause is for logs.
      Object.defineProperty(this, 'cause', { value: cause, enumerable: false });
    }
  }
}

export class KratixBadRequestError extends KratixObjectError {
  constructor(message: string, details?: KratixErrorDetails, cause?: unknown) {
    super(400, 'BadRequest', message, details, cause);
  }
}

export class KratixNotFoundError extends KratixObjectError {
  constructor(message: string, details?: KratixErrorDetails, cause?: unknown) {
    super(404, 'NotFound', message, details, cause);
  }
}

export class KratixAlreadyExistsError extends KratixObjectError {
  constructor(message: string, details?: KratixErrorDetails, cause?: unknown) {
    super(409, 'AlreadyExists', message, details, cause);
  }
}

/** A stale `resourceVersion`: read again and retry. */
export class KratixConflictError extends KratixObjectError {
  constructor(message: string, details?: KratixErrorDetails, cause?: unknown) {
    super(409, 'Conflict', message, details, cause);
  }
}

/** The object breaks its schema; `causes` names each failing field. */
export class KratixInvalidError extends KratixObjectError {
  readonly causes: KratixFieldCause[];
  constructor(message: string, details: KratixErrorDetails, cause?: unknown) {
    super(422, 'Invalid', message, details, cause);
    this.causes = details.causes ?? [];
  }
}

/** The caller lacks `permission` (its name, e.g. `kratix.promise.request`). */
export class KratixForbiddenError extends KratixObjectError {
  constructor(
    message: string,
    readonly permission: string,
    details?: KratixErrorDetails,
  ) {
    super(403, 'Forbidden', message, { ...details, permission });
  }
}

/** The kind is not written through the API (Works, WorkPlacements). */
export class KratixMethodNotAllowedError extends KratixObjectError {
  constructor(message: string, details?: KratixErrorDetails) {
    super(405, 'MethodNotAllowed', message, details);
  }
}

/** A watch from a version the change feed no longer holds: list again. */
export class KratixExpiredError extends KratixObjectError {
  constructor(message: string, cause?: unknown) {
    super(410, 'Expired', message, undefined, cause);
  }
}

/**
 * The object service as the Kratix backend plugin binds it. Calls made
 * before the plugin has started wait for it; once the backend has started
 * without it they fail, saying so.
 */
export class DeferredKratixObjectService implements KratixObjectService {
  private impl?: KratixObjectService;
  private failure?: Error;
  private readonly waiters: {
    resolve(impl: KratixObjectService): void;
    reject(error: Error): void;
  }[] = [];

  /** Called once by the Kratix backend plugin at init. */
  bind(impl: KratixObjectService) {
    this.impl = impl;
    for (const w of this.waiters.splice(0)) w.resolve(impl);
  }

  /** The backend has started: anyone still waiting never gets a service. */
  startupComplete() {
    if (this.impl) return;
    this.failure = new Error(
      'The Kratix object service is not available: the Kratix backend plugin (@kratix-backstage/plugin-kratix-backend) is not installed in this backend. Modules that use it must run in the same backend as the Kratix plugin.',
    );
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
  }

  private ready(): Promise<KratixObjectService> {
    if (this.impl) return Promise.resolve(this.impl);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) =>
      this.waiters.push({ resolve, reject }),
    );
  }

  async get<T extends KubeObject>(ref: KratixObjectRef, o: KratixCallOptions) {
    return (await this.ready()).get<T>(ref, o);
  }
  async list<T extends KubeObject>(k: KratixKindRef, o: KratixListOptions) {
    return (await this.ready()).list<T>(k, o);
  }
  async create<T extends KubeObject>(obj: KubeObject, o: KratixCallOptions) {
    return (await this.ready()).create<T>(obj, o);
  }
  async update<T extends KubeObject>(obj: KubeObject, o: KratixCallOptions) {
    return (await this.ready()).update<T>(obj, o);
  }
  async patch<T extends KubeObject>(
    ref: KratixObjectRef,
    mergePatch: Record<string, unknown>,
    o: KratixCallOptions,
  ) {
    return (await this.ready()).patch<T>(ref, mergePatch, o);
  }
  async apply(objectsOrYaml: KubeObject[] | string, o: KratixCallOptions) {
    return (await this.ready()).apply(objectsOrYaml, o);
  }
  async delete<T extends KubeObject>(
    ref: KratixObjectRef,
    o: KratixCallOptions,
  ) {
    return (await this.ready()).delete<T>(ref, o);
  }
  async deleteCollection<T extends KubeObject>(
    kind: KratixKindRef,
    o: KratixDeleteCollectionOptions,
  ) {
    return (await this.ready()).deleteCollection<T>(kind, o);
  }
  watch<T extends KubeObject>(
    kind: KratixKindRef,
    o: KratixWatchOptions & { allowBookmarks?: false },
  ): KratixWatch<KratixWatchEvent<T>>;
  watch<T extends KubeObject>(
    kind: KratixKindRef,
    o: KratixWatchOptions,
  ): KratixWatch<KratixWatchEvent<T> | KratixBookmarkEvent>;
  watch<T extends KubeObject>(
    kind: KratixKindRef,
    o: KratixWatchOptions,
  ): KratixWatch<KratixWatchEvent<T> | KratixBookmarkEvent> {
    const watch = this.ready().then(impl => impl.watch<T>(kind, o));
    const accepted = watch.then(w => w.accepted);
    // Awaited by whoever wants it; the iteration throws the same error.
    accepted.catch(() => {});
    return {
      accepted,
      async *[Symbol.asyncIterator]() {
        yield* await watch;
      },
    };
  }
  async listKinds(o: KratixCallOptions) {
    return (await this.ready()).listKinds(o);
  }
}

/**
 * The Kratix object service, for backend plugins and modules in the same
 * backend as the Kratix plugin:
 *
 * ```ts
 * deps: { kratix: kratixObjectServiceRef, auth: coreServices.auth }
 * await kratix.list({ apiVersion: 'platform.kratix.io/v1alpha1', kind: 'Destination' },
 *   { credentials: await auth.getOwnServiceCredentials() });
 * ```
 */
export const kratixObjectServiceRef = createServiceRef<KratixObjectService>({
  id: 'kratix.objects',
  scope: 'root',
  defaultFactory: async service =>
    createServiceFactory({
      service,
      deps: { lifecycle: coreServices.rootLifecycle },
      factory({ lifecycle }) {
        const deferred = new DeferredKratixObjectService();
        lifecycle.addStartupHook(() => deferred.startupComplete());
        return deferred;
      },
    }),
});

/** Annotation the object service sets at create: who requested the object. */
export const REQUESTED_BY_ANNOTATION = 'kratix.backstage.io/requested-by';
