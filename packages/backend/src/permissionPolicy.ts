/*
 * The portal's permission policy: allows everything, except requests of
 * the Promises listed in `kratix.policy.denyRequests` (README,
 * "Permissions"). A starting point for a platform team's own policy.
 */
import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  AuthorizeResult,
  isPermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { kratixPromiseRequestPermission } from '@kratix-backstage/plugin-kratix-common';
import { kratixPromiseConditions } from '@kratix-backstage/plugin-kratix-node';

export class KratixSamplePolicy implements PermissionPolicy {
  constructor(private readonly deniedRequests: string[]) {}

  async handle(request: PolicyQuery): Promise<PolicyDecision> {
    if (
      this.deniedRequests.length > 0 &&
      isPermission(request.permission, kratixPromiseRequestPermission)
    ) {
      return kratixPromiseConditions.createConditionalDecision(
        request.permission,
        {
          not: kratixPromiseConditions.conditions.hasName({
            names: this.deniedRequests,
          }),
        },
      );
    }
    return { result: AuthorizeResult.ALLOW };
  }
}

export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'kratix-sample-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint, config: coreServices.rootConfig },
      async init({ policy, config }) {
        policy.setPolicy(
          new KratixSamplePolicy(
            config.getOptionalStringArray('kratix.policy.denyRequests') ?? [],
          ),
        );
      },
    });
  },
});
