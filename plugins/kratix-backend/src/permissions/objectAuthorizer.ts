import type {
  BackstageCredentials,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  PolicyDecision,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import {
  KRATIX_GROUP,
  KubeObject,
  kratixDestinationCreatePermission,
  kratixDestinationDeletePermission,
  kratixDestinationLabelPermission,
  kratixDestinationReadPermission,
  kratixDestinationUpdatePermission,
  kratixPromiseCreatePermission,
  kratixPromiseDeletePermission,
  kratixPromiseReadPermission,
  kratixPromiseRequestPermission,
  kratixPromiseUpdatePermission,
  kratixReadPermission,
  kratixResourceDeletePermission,
  kratixResourceReadPermission,
  kratixResourceUpdatePermission,
  PromiseObject,
} from '@kratix-backstage/plugin-kratix-common';
import {
  kratixConditionAuthorizers,
  KratixForbiddenError,
} from '@kratix-backstage/plugin-kratix-node';
import {
  authorize,
  describePrincipal,
  writePermissionForKind,
} from './authorize';
import { resourceName } from '../objects/errors';
import { LAST_APPLIED_ANNOTATION } from '../objects/ObjectOperations';
import { PROMISE_KIND } from '../admission/kinds';
import type { KindInfo } from '../admission/types';
import type { ObjectStore } from '../store/types';
import { jsonEqual } from '../store/json';

export type WriteAction = 'create' | 'update' | 'label' | 'delete';

/** A check of one resource permission against one object. */
interface Check {
  permission: ResourcePermission;
  /** What the policy's conditions are evaluated against. */
  resource: unknown;
  evaluate: (decision: PolicyDecision, resource: unknown) => boolean;
}

const typeOf = (kind: KindInfo) => {
  if (kind.promiseName !== undefined) return 'resource' as const;
  if (kind.group !== KRATIX_GROUP) return undefined;
  if (kind.kind === 'Promise') return 'promise' as const;
  if (kind.kind === 'Destination') return 'destination' as const;
  return undefined;
};

const READ = {
  promise: kratixPromiseReadPermission,
  resource: kratixResourceReadPermission,
  destination: kratixDestinationReadPermission,
};

/**
 * The permission checks of every read and write, for the HTTP API and the
 * object service alike: the basic permissions (kratix.object.read,
 * kratix.platform.manage, kratix.resource.request) as before, then the
 * resource permissions of Promises, resource requests and Destinations,
 * whose conditional decisions are evaluated on the objects themselves.
 */
export class ObjectAuthorizer {
  constructor(
    private readonly permissions: PermissionsService,
    private readonly store: ObjectStore,
  ) {}

  /** Whether the kind has resource permissions (which need the object). */
  governs(kind: KindInfo): boolean {
    return typeOf(kind) !== undefined;
  }

  /**
   * Throws unless the caller may read the kind; answers a filter when the
   * policy allows only some of its objects, undefined when it allows all.
   */
  async readFilter(
    kind: KindInfo,
    credentials: BackstageCredentials,
  ): Promise<((object: KubeObject) => boolean) | undefined> {
    await authorize(
      this.permissions,
      credentials,
      [kratixReadPermission],
      resourceName(kind),
    );
    const type = typeOf(kind);
    if (!type) return undefined;
    const permission = READ[type];
    const [decision] = await this.permissions.authorizeConditional(
      [{ permission }],
      { credentials },
    );
    if (decision.result === AuthorizeResult.ALLOW) return undefined;
    if (decision.result === AuthorizeResult.DENY) {
      throw this.forbidden(kind, permission, credentials);
    }
    const evaluate = kratixConditionAuthorizers[type] as (
      d: PolicyDecision,
      r: unknown,
    ) => boolean;
    return object => evaluate(decision, this.resourceOf(kind, object));
  }

  /** Throws unless the caller may read this object. */
  async authorizeRead(
    kind: KindInfo,
    object: KubeObject,
    credentials: BackstageCredentials,
  ) {
    const filter = await this.readFilter(kind, credentials);
    if (filter && !filter(object)) {
      throw this.forbidden(kind, READ[typeOf(kind)!], credentials);
    }
  }

  /**
   * Throws unless the caller may do `action` to `object` (the object as
   * it is for update, label and delete; as sent for create).
   */
  async authorizeWrite(
    kind: KindInfo,
    actions: WriteAction[],
    object: KubeObject,
    credentials: BackstageCredentials,
  ) {
    await authorize(
      this.permissions,
      credentials,
      [writePermissionForKind(kind)],
      resourceName(kind),
    );
    for (const action of actions) {
      const check = await this.checkFor(kind, action, object);
      if (!check) continue;
      const [decision] = await this.permissions.authorizeConditional(
        [{ permission: check.permission }],
        { credentials },
      );
      const allowed =
        decision.result === AuthorizeResult.ALLOW ||
        (decision.result === AuthorizeResult.CONDITIONAL &&
          check.evaluate(decision, check.resource));
      if (!allowed) throw this.forbidden(kind, check.permission, credentials);
    }
  }

  /** A change of `previous` into `next` (update, patch). */
  async authorizeUpdate(
    kind: KindInfo,
    previous: KubeObject,
    next: KubeObject,
    credentials: BackstageCredentials,
  ) {
    await this.authorizeWrite(
      kind,
      updateActions(previous, next),
      previous,
      credentials,
    );
  }

  /** An apply of `document`: a create, or an update of what is stored. */
  async authorizeApply(
    kind: KindInfo,
    document: Record<string, unknown>,
    credentials: BackstageCredentials,
  ) {
    const doc = document as unknown as KubeObject;
    const namespace = kind.namespaced
      ? doc.metadata?.namespace || 'default'
      : undefined;
    const existing = await this.store.get({
      group: kind.group,
      kind: kind.kind,
      name: doc.metadata?.name,
      ...(namespace ? { namespace } : {}),
    });
    if (!existing) {
      await this.authorizeWrite(kind, ['create'], doc, credentials);
      return;
    }
    await this.authorizeWrite(
      kind,
      applyActions(existing, doc),
      existing,
      credentials,
    );
  }

  private resourceOf(kind: KindInfo, object: KubeObject) {
    return kind.promiseName !== undefined
      ? { promiseName: kind.promiseName, object }
      : object;
  }

  private async checkFor(
    kind: KindInfo,
    action: WriteAction,
    object: KubeObject,
  ): Promise<Check | undefined> {
    const type = typeOf(kind);
    const evaluate = (t: keyof typeof kratixConditionAuthorizers) =>
      kratixConditionAuthorizers[t] as Check['evaluate'];
    if (type === 'promise') {
      const permission = {
        create: kratixPromiseCreatePermission,
        update: kratixPromiseUpdatePermission,
        label: kratixPromiseUpdatePermission,
        delete: kratixPromiseDeletePermission,
      }[action];
      return { permission, resource: object, evaluate: evaluate('promise') };
    }
    if (type === 'destination') {
      const permission = {
        create: kratixDestinationCreatePermission,
        update: kratixDestinationUpdatePermission,
        label: kratixDestinationLabelPermission,
        delete: kratixDestinationDeletePermission,
      }[action];
      return {
        permission,
        resource: object,
        evaluate: evaluate('destination'),
      };
    }
    if (type === 'resource') {
      if (action === 'create') {
        // Requesting is a permission on the Promise requested from.
        const promise = (await this.store.get({
          group: PROMISE_KIND.group,
          kind: PROMISE_KIND.kind,
          name: kind.promiseName!,
        })) as PromiseObject | undefined;
        return {
          permission: kratixPromiseRequestPermission,
          resource: promise ?? {
            apiVersion: `${PROMISE_KIND.group}/${PROMISE_KIND.version}`,
            kind: 'Promise',
            metadata: { name: kind.promiseName! },
          },
          evaluate: evaluate('promise'),
        };
      }
      return {
        permission:
          action === 'delete'
            ? kratixResourceDeletePermission
            : kratixResourceUpdatePermission,
        resource: this.resourceOf(kind, object),
        evaluate: evaluate('resource'),
      };
    }
    return undefined;
  }

  private forbidden(
    kind: KindInfo,
    permission: ResourcePermission,
    credentials: BackstageCredentials,
  ) {
    return new KratixForbiddenError(
      `${resourceName(kind)} is forbidden: ${describePrincipal(
        credentials,
      )} is not allowed "${permission.name}"`,
      permission.name,
    );
  }
}

/**
 * The write actions a change from `previous` to `next` takes: a label
 * change is `label`, anything else `update`; both when both change.
 */
export function updateActions(
  previous: KubeObject,
  next: KubeObject,
): WriteAction[] {
  const { metadata: pm, status: _ps, ...pRest } = previous;
  const { metadata: nm, status: _ns, ...nRest } = next;
  const same = (a: unknown, b: unknown) => jsonEqual(a ?? {}, b ?? {});
  const actions: WriteAction[] = [];
  if (!same(pm.labels, nm.labels)) actions.push('label');
  if (
    !same(pRest, nRest) ||
    !same(pm.annotations, nm.annotations) ||
    !same(pm.finalizers, nm.finalizers)
  ) {
    actions.push('update');
  }
  return actions.length ? actions : ['update'];
}

/** Whether every value `partial` sets is so in `whole` (defaults aside). */
function containedIn(partial: unknown, whole: unknown): boolean {
  if (partial && typeof partial === 'object' && !Array.isArray(partial)) {
    if (!whole || typeof whole !== 'object' || Array.isArray(whole)) {
      return false;
    }
    return Object.entries(partial).every(([k, v]) =>
      containedIn(v, (whole as Record<string, unknown>)[k]),
    );
  }
  return jsonEqual(partial, whole);
}

/**
 * What applying `document` over `existing` changes. Apply merges labels
 * and annotations and keeps what admission defaulted, so only what the
 * document itself sets counts: a label it sets differently is `label`,
 * any other field it sets differently is `update`; none, nothing to ask.
 */
export function applyActions(
  existing: KubeObject,
  document: KubeObject,
): WriteAction[] {
  const {
    metadata,
    status: _status,
    apiVersion: _apiVersion,
    kind: _kind,
    ...fields
  } = document;
  const {
    metadata: current,
    status: _s,
    apiVersion: _a,
    kind: _k,
    ...currentFields
  } = existing;
  const actions: WriteAction[] = [];
  // Labels the previous apply set and this one drops are removed.
  const dropped = lastAppliedLabels(existing).some(
    key => metadata?.labels?.[key] === undefined && current.labels?.[key],
  );
  if (dropped || !containedIn(metadata?.labels ?? {}, current.labels ?? {})) {
    actions.push('label');
  }
  if (
    !containedIn(fields, currentFields) ||
    !containedIn(metadata?.annotations ?? {}, current.annotations ?? {}) ||
    (metadata?.finalizers !== undefined &&
      !containedIn(metadata.finalizers, current.finalizers))
  ) {
    actions.push('update');
  }
  return actions;
}

function lastAppliedLabels(object: KubeObject): string[] {
  try {
    const keys = JSON.parse(
      object.metadata.annotations?.[LAST_APPLIED_ANNOTATION] ?? '{}',
    );
    return Array.isArray(keys.labels) ? keys.labels : [];
  } catch {
    return [];
  }
}
