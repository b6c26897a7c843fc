import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  KubeObject,
  LabelRequirement,
  LabelSelectorParseError,
  PromiseObject,
  kratixReadPermission,
  parseLabelSelector,
} from '@kratix-backstage/plugin-kratix-common';
import {
  KratixBadRequestError,
  KratixBookmarkEvent,
  KratixCallOptions,
  KratixDeleteCollectionOptions,
  KratixDeleteResult,
  KratixKindInfo,
  KratixKindRef,
  KratixListOptions,
  KratixNotFoundError,
  KratixObjectRef,
  KratixObjectService,
  KratixWatch,
  KratixWatchEvent,
  KratixWatchOptions,
} from '@kratix-backstage/plugin-kratix-node';
import { InputError } from '@backstage/errors';
import { applyManifests } from './applyManifests';
import { authorize, writePermissionForKind } from '../permissions/authorize';
import { applyMergePatch, isPlainObject } from './mergePatch';
import { resourceName } from './errors';
import { ObjectAuthorizer } from '../permissions/objectAuthorizer';
import { apiVersionOf, ObjectOperations } from './ObjectOperations';
import { PROMISE_KIND } from '../admission/kinds';
import type { Admission, KindInfo, KindRegistry } from '../admission/types';
import type { ObjectStore } from '../store/types';
import { visibleChange } from './visibleChange';
import { matchesFields, parseFieldSelector } from './fieldSelector';

export interface ObjectServiceOptions {
  store: ObjectStore;
  kinds: KindRegistry;
  admission: Admission;
  permissions: PermissionsService;
  /** How often a watch with `allowBookmarks` is sent a BOOKMARK. */
  watchBookmarkMs?: number;
}

const TICK = Symbol('tick');

/** The user a create is made for, to record as its requester. */
export function requesterOf(
  credentials: BackstageCredentials,
): string | undefined {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
  };
  return principal.type === 'user' ? principal.userEntityRef : undefined;
}

/** A Kubernetes label selector string, parsed; bad syntax is a BadRequest. */
export function selectorOf(
  labelSelector: string | undefined,
): LabelRequirement[] | undefined {
  if (labelSelector === undefined || labelSelector === '') return undefined;
  try {
    return parseLabelSelector(labelSelector);
  } catch (error) {
    if (error instanceof LabelSelectorParseError) {
      throw new KratixBadRequestError(
        `invalid labelSelector "${labelSelector}": ${error.message}`,
      );
    }
    throw error;
  }
}

/** A watch whose checks passed, with the objects it starts from. */
interface OpenWatch {
  kind: KindInfo;
  labelSelector?: LabelRequirement[];
  visible(object: KubeObject): boolean;
  initial: KubeObject[];
  since: number;
}

/**
 * The object service behind the HTTP API and the service ref: every call
 * checks the caller's permissions, then reads or writes through admission.
 */
export class DefaultKratixObjectService implements KratixObjectService {
  private readonly objects: ObjectOperations;

  private readonly authorizer: ObjectAuthorizer;

  constructor(private readonly options: ObjectServiceOptions) {
    this.objects = new ObjectOperations(options.store, options.admission);
    this.authorizer = new ObjectAuthorizer(options.permissions, options.store);
  }

  private kindOf(ref: KratixKindRef): KindInfo {
    const kind = this.options.kinds.byKind(ref.apiVersion, ref.kind);
    if (!kind) {
      throw new KratixNotFoundError(
        `no matches for kind "${ref.kind}" in version "${ref.apiVersion}"`,
      );
    }
    return kind;
  }

  /** As kubectl: a namespaced object named without a namespace is in `default`. */
  private namespaceOf(kind: KindInfo, namespace: string | undefined) {
    if (!kind.namespaced) return undefined;
    return namespace || 'default';
  }

  /**
   * The stored object a write's permissions are decided on; a stand-in
   * for kinds without resource permissions, so a write the kind refuses
   * (405) is refused before any read (404).
   */
  private async governed(
    kind: KindInfo,
    ref: { name: string; namespace?: string },
  ): Promise<KubeObject> {
    if (!this.authorizer.governs(kind)) {
      return {
        apiVersion: apiVersionOf(kind),
        kind: kind.kind,
        metadata: { name: ref.name },
      };
    }
    return this.objects.get(
      kind,
      ref.name,
      this.namespaceOf(kind, ref.namespace),
    );
  }

  async get<T extends KubeObject>(
    ref: KratixObjectRef,
    { credentials }: KratixCallOptions,
  ): Promise<T> {
    const kind = this.kindOf(ref);
    const filter = await this.authorizer.readFilter(kind, credentials);
    const object = await this.objects.get(
      kind,
      ref.name,
      this.namespaceOf(kind, ref.namespace),
    );
    if (filter && !filter(object)) {
      await this.authorizer.authorizeRead(kind, object, credentials);
    }
    return object as T;
  }

  async list<T extends KubeObject>(ref: KratixKindRef, o: KratixListOptions) {
    const kind = this.kindOf(ref);
    const filter = await this.authorizer.readFilter(kind, o.credentials);
    const labelSelector = selectorOf(o.labelSelector);
    const fields = o.fieldSelector
      ? parseFieldSelector(o.fieldSelector, kind)
      : [];
    let page;
    try {
      page = await this.objects.listPage(kind, {
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        ...(labelSelector ? { labelSelector } : {}),
        ...(o.limit ? { limit: o.limit } : {}),
        ...(o.continue ? { continue: o.continue } : {}),
      });
    } catch (error) {
      // The store's word for a continue token it cannot read.
      if (error instanceof InputError) {
        throw new KratixBadRequestError(error.message, undefined, error);
      }
      throw error;
    }
    const items = page.items.filter(
      object => (!filter || filter(object)) && matchesFields(object, fields),
    );
    return { ...page, items: items as T[] };
  }

  async create<T extends KubeObject>(
    object: KubeObject,
    { credentials }: KratixCallOptions,
  ): Promise<T> {
    const kind = this.kindOf(object);
    await this.authorizer.authorizeWrite(kind, ['create'], object, credentials);
    return (await this.objects.create(
      kind,
      object as unknown as Record<string, unknown>,
      this.namespaceOf(kind, object.metadata?.namespace),
      requesterOf(credentials),
    )) as T;
  }

  async update<T extends KubeObject>(
    object: KubeObject,
    { credentials }: KratixCallOptions,
  ): Promise<T> {
    const kind = this.kindOf(object);
    const previous = await this.governed(kind, object.metadata);
    await this.authorizer.authorizeUpdate(kind, previous, object, credentials);
    return (await this.objects.replace(
      kind,
      object.metadata?.name,
      object as unknown as Record<string, unknown>,
      this.namespaceOf(kind, object.metadata?.namespace),
    )) as T;
  }

  async patch<T extends KubeObject>(
    ref: KratixObjectRef,
    mergePatch: Record<string, unknown>,
    { credentials }: KratixCallOptions,
  ): Promise<T> {
    const kind = this.kindOf(ref);
    if (!isPlainObject(mergePatch)) {
      throw new KratixBadRequestError('a merge patch must be a JSON object');
    }
    const previous = await this.governed(kind, ref);
    const next = applyMergePatch(previous, mergePatch) as KubeObject;
    await this.authorizer.authorizeUpdate(kind, previous, next, credentials);
    return (await this.objects.patch(
      kind,
      ref.name,
      mergePatch,
      this.namespaceOf(kind, ref.namespace),
    )) as T;
  }

  async apply(
    objectsOrYaml: KubeObject[] | string,
    { credentials }: KratixCallOptions,
  ) {
    // JSON is YAML: one document per object keeps each error's position.
    const text =
      typeof objectsOrYaml === 'string'
        ? objectsOrYaml
        : objectsOrYaml.map(o => JSON.stringify(o)).join('\n---\n');
    return applyManifests(text, {
      kinds: this.options.kinds,
      objects: this.objects,
      authorize: wanted =>
        authorize(this.options.permissions, credentials, wanted),
      requestedBy: requesterOf(credentials),
      authorizeObject: (kind, object) =>
        this.authorizer.authorizeApply(kind, object, credentials),
    });
  }

  async delete<T extends KubeObject>(
    ref: KratixObjectRef,
    { credentials }: KratixCallOptions,
  ): Promise<KratixDeleteResult<T>> {
    const kind = this.kindOf(ref);
    const previous = await this.governed(kind, ref);
    await this.authorizer.authorizeWrite(
      kind,
      ['delete'],
      previous,
      credentials,
    );
    const result = await this.objects.delete(
      kind,
      ref.name,
      this.namespaceOf(kind, ref.namespace),
    );
    return result as KratixDeleteResult<T>;
  }

  async deleteCollection<T extends KubeObject>(
    ref: KratixKindRef,
    o: KratixDeleteCollectionOptions,
  ): Promise<T[]> {
    const kind = this.kindOf(ref);
    const labelSelector = selectorOf(o.labelSelector);
    await authorize(
      this.options.permissions,
      o.credentials,
      [writePermissionForKind(kind)],
      resourceName(kind),
    );
    // Every object it would delete must be deletable, before any is.
    if (this.authorizer.governs(kind)) {
      for (const object of await this.objects.list(
        kind,
        o.namespace,
        labelSelector,
      )) {
        await this.authorizer.authorizeWrite(
          kind,
          ['delete'],
          object,
          o.credentials,
        );
      }
    }
    return (await this.objects.deleteCollection(
      kind,
      o.namespace,
      labelSelector,
    )) as T[];
  }

  watch<T extends KubeObject>(
    ref: KratixKindRef,
    o: KratixWatchOptions & { allowBookmarks?: false },
  ): KratixWatch<KratixWatchEvent<T>>;
  watch<T extends KubeObject>(
    ref: KratixKindRef,
    o: KratixWatchOptions,
  ): KratixWatch<KratixWatchEvent<T> | KratixBookmarkEvent>;
  watch<T extends KubeObject>(
    ref: KratixKindRef,
    o: KratixWatchOptions,
  ): KratixWatch<KratixWatchEvent<T> | KratixBookmarkEvent> {
    const opened = this.openWatch(ref, o);
    const accepted = opened.then(() => undefined);
    // Awaited by whoever wants it; the iteration throws the same error.
    accepted.catch(() => {});
    const follow = (w: OpenWatch) => this.follow<T>(w, o);
    return {
      accepted,
      async *[Symbol.asyncIterator]() {
        yield* follow(await opened);
      },
    };
  }

  /** Everything a watch checks before its first event. */
  private async openWatch(
    ref: KratixKindRef,
    o: KratixWatchOptions,
  ): Promise<OpenWatch> {
    const kind = this.kindOf(ref);
    const filter = await this.authorizer.readFilter(kind, o.credentials);
    const labelSelector = selectorOf(o.labelSelector);
    const visible = (object: KubeObject) => !filter || filter(object);
    if (o.resourceVersion === undefined || o.resourceVersion === '0') {
      const page = await this.options.store.listPage(kind, {
        ...(o.namespace !== undefined ? { namespace: o.namespace } : {}),
        ...(labelSelector ? { labelSelector } : {}),
      });
      return {
        kind,
        labelSelector,
        visible,
        initial: page.items.filter(visible),
        since: Number(page.resourceVersion),
      };
    }
    if (!/^\d+$/.test(o.resourceVersion)) {
      throw new KratixBadRequestError(
        `invalid resourceVersion "${o.resourceVersion}"`,
      );
    }
    const since = Number(o.resourceVersion);
    return { kind, labelSelector, visible, initial: [], since };
  }

  private async *follow<T extends KubeObject>(
    w: OpenWatch,
    o: KratixWatchOptions,
  ): AsyncGenerator<KratixWatchEvent<T> | KratixBookmarkEvent> {
    for (const object of w.initial) {
      if (o.signal.aborted) return;
      yield { type: 'ADDED', object: object as T };
    }
    let last = w.since;
    const changes = this.options.store
      .watch({
        since: last,
        kinds: [{ group: w.kind.group, kind: w.kind.kind }],
        signal: o.signal,
      })
      [Symbol.asyncIterator]();
    // Bookmarks keep their pace however busy the feed is, as changes the
    // watcher does not see (other namespaces, selector) move it on too.
    const bookmarkMs = this.options.watchBookmarkMs ?? 15_000;
    let bookmarkDue = Date.now() + bookmarkMs;
    let timer: NodeJS.Timeout | undefined;
    const tick = () =>
      new Promise<typeof TICK>(resolve => {
        timer = setTimeout(
          () => resolve(TICK),
          Math.max(0, bookmarkDue - Date.now()),
        );
      });
    let pending = changes.next();
    try {
      for (;;) {
        const next = o.allowBookmarks
          ? await Promise.race([pending, tick()])
          : await pending;
        clearTimeout(timer);
        if (o.signal.aborted) return;
        if (next === TICK) {
          bookmarkDue = Date.now() + bookmarkMs;
          yield {
            type: 'BOOKMARK',
            object: {
              apiVersion: apiVersionOf(w.kind),
              kind: w.kind.kind,
              metadata: { resourceVersion: String(last) },
            },
          };
          continue;
        }
        if (next.done) return;
        pending = changes.next();
        const change = next.value;
        last = change.resourceVersion ?? last;
        if (
          o.namespace !== undefined &&
          change.object.metadata.namespace !== o.namespace
        ) {
          continue;
        }
        const event = visibleChange(change, w.labelSelector);
        if (event && w.visible(event.object)) {
          yield { type: event.type, object: event.object as T };
        }
      }
    } finally {
      clearTimeout(timer);
      // Not awaited: a pending read ends only with the caller's signal.
      changes.return?.(undefined).catch(() => {});
    }
  }

  async listKinds({ credentials }: KratixCallOptions) {
    const kinds = this.options.kinds.list();
    await authorize(this.options.permissions, credentials, [
      kratixReadPermission,
    ]);
    const result: KratixKindInfo[] = [];
    for (const kind of kinds) {
      const info: KratixKindInfo = {
        apiVersion: apiVersionOf(kind),
        kind: kind.kind,
        group: kind.group,
        version: kind.version,
        plural: kind.plural,
        namespaced: kind.namespaced,
        readOnly: !!kind.readOnly,
      };
      if (kind.promiseName !== undefined) {
        info.promiseName = kind.promiseName;
        const promise = (await this.options.store.get({
          group: PROMISE_KIND.group,
          kind: PROMISE_KIND.kind,
          name: kind.promiseName,
        })) as PromiseObject | undefined;
        const schema = promise?.spec?.api?.spec.versions?.find(
          v => v.name === kind.version,
        )?.schema?.openAPIV3Schema;
        if (schema) info.schema = schema;
      }
      result.push(info);
    }
    return result;
  }
}
