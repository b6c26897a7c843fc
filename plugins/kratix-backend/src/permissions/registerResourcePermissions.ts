import type { PermissionsRegistryService } from '@backstage/backend-plugin-api';
import {
  KRATIX_DESTINATION_RESOURCE_TYPE,
  KRATIX_PROMISE_RESOURCE_TYPE,
  KRATIX_RESOURCE_RESOURCE_TYPE,
  kratixResourcePermissions,
} from '@kratix-backstage/plugin-kratix-common';
import {
  kratixDestinationPermissionResourceRef,
  kratixDestinationRules,
  kratixPromisePermissionResourceRef,
  kratixPromiseRules,
  kratixResourcePermissionResourceRef,
  kratixResourceRules,
} from '@kratix-backstage/plugin-kratix-node';

/** The three resource types, their permissions and the rules policies may use. */
export function registerResourcePermissions(
  registry: PermissionsRegistryService,
) {
  const of = (type: string) =>
    kratixResourcePermissions.filter(p => p.resourceType === type);
  registry.addResourceType({
    resourceRef: kratixPromisePermissionResourceRef,
    permissions: of(KRATIX_PROMISE_RESOURCE_TYPE),
    rules: Object.values(kratixPromiseRules),
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
  });
}
