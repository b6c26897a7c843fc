import type { PermissionsRegistryService } from '@backstage/backend-plugin-api';
import {
  KRATIX_DESTINATION_RESOURCE_TYPE,
  KRATIX_PROMISE_RESOURCE_TYPE,
  KRATIX_RESOURCE_RESOURCE_TYPE,
  KubeObject,
  kratixResourcePermissions,
} from '@kratix-backstage/plugin-kratix-common';
import { DESTINATION_KIND, PROMISE_KIND } from '../admission/kinds';
import {
  kratixDestinationPermissionResourceRef,
  kratixDestinationRules,
  kratixPromisePermissionResourceRef,
  kratixPromiseRules,
  kratixResourcePermissionResourceRef,
  kratixResourceRules,
} from '@kratix-backstage/plugin-kratix-node';

/** Reads a cluster-scoped object by name: how conditions are applied to a ref. */
export type ObjectByName = (
  kind: { group: string; kind: string },
  name: string,
) => Promise<KubeObject | undefined>;

/**
 * The three resource types, their permissions and the rules policies may
 * use. A Promise's or Destination's resourceRef is its name, so the
 * permission backend can apply a conditional decision to a ref (the portal
 * asks "may I request elastic-cloud?" before showing the button).
 */
export function registerResourcePermissions(
  registry: PermissionsRegistryService,
  objectByName: ObjectByName,
) {
  const loader = (kind: { group: string; kind: string }) => ({
    getResources: (refs: string[]) =>
      Promise.all(refs.map(name => objectByName(kind, name))),
  });
  const of = (type: string) =>
    kratixResourcePermissions.filter(p => p.resourceType === type);
  registry.addResourceType({
    resourceRef: kratixPromisePermissionResourceRef,
    permissions: of(KRATIX_PROMISE_RESOURCE_TYPE),
    rules: Object.values(kratixPromiseRules),
    ...loader(PROMISE_KIND),
  });
  registry.addResourceType({
    resourceRef: kratixResourcePermissionResourceRef,
    permissions: of(KRATIX_RESOURCE_RESOURCE_TYPE),
    rules: Object.values(kratixResourceRules),
  });
  registry.addResourceType({
    resourceRef: kratixDestinationPermissionResourceRef,
    permissions: of(KRATIX_DESTINATION_RESOURCE_TYPE),
    rules: Object.values(kratixDestinationRules),
    ...loader(DESTINATION_KIND),
  });
}
