import {
  createConditionAuthorizer,
  createConditionExports,
  createPermissionResourceRef,
  createPermissionRule,
  PermissionRuleset,
} from '@backstage/plugin-permission-node';
import {
  DestinationObject,
  KRATIX_DESTINATION_RESOURCE_TYPE,
  KRATIX_PROMISE_RESOURCE_TYPE,
  KRATIX_RESOURCE_RESOURCE_TYPE,
  KubeObject,
  PromiseObject,
} from '@kratix-backstage/plugin-kratix-common';
import { z } from 'zod';
import { REQUESTED_BY_ANNOTATION } from './objectService';

/** A resource request with the Promise it was requested from. */
export interface KratixResourceRequest {
  promiseName: string;
  object: KubeObject;
}

/** Conditions become in-memory filters: the objects are in the engine's store. */
export type KratixObjectFilter<T> = (resource: T) => boolean;

export const kratixPromisePermissionResourceRef = createPermissionResourceRef<
  PromiseObject,
  KratixObjectFilter<PromiseObject>
>().with({ pluginId: 'kratix', resourceType: KRATIX_PROMISE_RESOURCE_TYPE });

export const kratixResourcePermissionResourceRef = createPermissionResourceRef<
  KratixResourceRequest,
  KratixObjectFilter<KratixResourceRequest>
>().with({ pluginId: 'kratix', resourceType: KRATIX_RESOURCE_RESOURCE_TYPE });

export const kratixDestinationPermissionResourceRef =
  createPermissionResourceRef<
    DestinationObject,
    KratixObjectFilter<DestinationObject>
  >().with({
    pluginId: 'kratix',
    resourceType: KRATIX_DESTINATION_RESOURCE_TYPE,
  });

const names = z.object({
  names: z.array(z.string()).describe('Promise names'),
});

const promiseHasName = createPermissionRule({
  name: 'HAS_NAME',
  description: 'The Promise has one of the given names',
  resourceRef: kratixPromisePermissionResourceRef,
  paramsSchema: names,
  apply: (promise, { names: wanted }) => wanted.includes(promise.metadata.name),
  toQuery:
    ({ names: wanted }) =>
    promise =>
      wanted.includes(promise.metadata.name),
});

const resourceHasPromise = createPermissionRule({
  name: 'HAS_PROMISE',
  description: 'The resource was requested from one of the given Promises',
  resourceRef: kratixResourcePermissionResourceRef,
  paramsSchema: names,
  apply: (request, { names: wanted }) => wanted.includes(request.promiseName),
  toQuery:
    ({ names: wanted }) =>
    request =>
      wanted.includes(request.promiseName),
});

const isRequester = (request: KratixResourceRequest, claims: string[]) => {
  const requester =
    request.object.metadata.annotations?.[REQUESTED_BY_ANNOTATION];
  return requester !== undefined && claims.includes(requester);
};

const resourceIsOwner = createPermissionRule({
  name: 'IS_OWNER',
  description:
    'The resource was requested by one of the given entity refs (pass the user’s ownership refs)',
  resourceRef: kratixResourcePermissionResourceRef,
  paramsSchema: z.object({
    claims: z.array(z.string()).describe('User and group entity refs'),
  }),
  apply: (request, { claims }) => isRequester(request, claims),
  toQuery:
    ({ claims }) =>
    request =>
      isRequester(request, claims),
});

const hasLabel = (d: DestinationObject, key: string, value?: string) => {
  const actual = d.metadata.labels?.[key];
  return actual !== undefined && (value === undefined || actual === value);
};

const destinationHasLabel = createPermissionRule({
  name: 'HAS_LABEL',
  description:
    'The Destination has the label (with the value, when one is given)',
  resourceRef: kratixDestinationPermissionResourceRef,
  paramsSchema: z.object({
    key: z.string().describe('Label key'),
    value: z.string().optional().describe('Label value'),
  }),
  apply: (d, { key, value }) => hasLabel(d, key, value),
  toQuery:
    ({ key, value }) =>
    d =>
      hasLabel(d, key, value),
});

export const kratixPromiseRules = { hasName: promiseHasName };
export const kratixResourceRules = {
  hasPromise: resourceHasPromise,
  isOwner: resourceIsOwner,
};
export const kratixDestinationRules = { hasLabel: destinationHasLabel };

/** For policies: `kratixPromiseConditions.conditions.hasName({ names: [...] })`. */
export const kratixPromiseConditions = createConditionExports({
  resourceRef: kratixPromisePermissionResourceRef,
  rules: kratixPromiseRules,
});
export const kratixResourceConditions = createConditionExports({
  resourceRef: kratixResourcePermissionResourceRef,
  rules: kratixResourceRules,
});
export const kratixDestinationConditions = createConditionExports({
  resourceRef: kratixDestinationPermissionResourceRef,
  rules: kratixDestinationRules,
});

function ruleset<T>(rules: Record<string, any>): PermissionRuleset<T> {
  const byName = new Map(Object.values(rules).map(r => [r.name, r]));
  return {
    getRuleByName(name: string) {
      const rule = byName.get(name);
      if (!rule) throw new Error(`Unknown Kratix permission rule "${name}"`);
      return rule;
    },
  };
}

/** Evaluate a conditional decision against one object of each type. */
export const kratixConditionAuthorizers = {
  promise: createConditionAuthorizer<PromiseObject>(
    ruleset(kratixPromiseRules),
  ),
  resource: createConditionAuthorizer<KratixResourceRequest>(
    ruleset(kratixResourceRules),
  ),
  destination: createConditionAuthorizer<DestinationObject>(
    ruleset(kratixDestinationRules),
  ),
};
