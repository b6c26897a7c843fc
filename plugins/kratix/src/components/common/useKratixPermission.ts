import type { BasicPermission, ResourcePermission } from '@backstage/plugin-permission-common';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  kratixDestinationLabelPermission,
  kratixPlatformManagePermission,
  kratixPromiseRequestPermission,
  kratixResourceRequestPermission,
} from '@kratix-backstage/plugin-kratix-common';

/** What the user may do, and, when not, why in words (with the permission for whoever grants it). */
export interface KratixPermission {
  loading: boolean;
  allowed: boolean;
  reason?: string;
}

/**
 * The two checks the backend makes before a change: the basic permission
 * for the kind, then the resource permission on the object (resourceRef:
 * its name, which is what the Kratix rules match on).
 */
function useBoth(
  basic: BasicPermission,
  basicReason: string,
  resource?: {
    permission: ResourcePermission;
    resourceRef: string;
    reason: string;
  },
): KratixPermission {
  const first = usePermission({ permission: basic });
  // Hooks cannot be skipped: without a resource check, the basic one again (batched into one request).
  const second = usePermission(
    resource
      ? { permission: resource.permission, resourceRef: resource.resourceRef }
      : { permission: basic },
  );
  const loading = first.loading || second.loading;
  if (loading) return { loading, allowed: false };
  // A check that fails (e.g. a backend that cannot evaluate conditions on
  // this resource type) is no denial: the backend decides on submit, and
  // its 403 names the permission.
  if (!first.allowed && !first.error) return { loading, allowed: false, reason: basicReason };
  if (!second.allowed && !second.error) {
    return { loading, allowed: false, reason: resource?.reason ?? basicReason };
  }
  return { loading, allowed: true };
}

/** Applying Promises, Destinations and state stores (the Apply YAML dialog). */
export function useCanManagePlatform(): KratixPermission {
  return useBoth(
    kratixPlatformManagePermission,
    'You are not allowed to install or change Promises and Destinations (permission kratix.platform.manage).',
  );
}

/** Adding or removing labels of one destination. */
export function useCanLabelDestination(destination: string): KratixPermission {
  return useBoth(
    kratixPlatformManagePermission,
    'You are not allowed to change Destinations (permission kratix.platform.manage).',
    {
      permission: kratixDestinationLabelPermission,
      resourceRef: destination,
      reason: `You are not allowed to change the labels of ${destination} (permission kratix.destination.label).`,
    },
  );
}

/** Requesting a resource from one Promise. */
export function useCanRequest(promise: string): KratixPermission {
  return useBoth(
    kratixResourceRequestPermission,
    'You are not allowed to request resources (permission kratix.resource.request).',
    {
      permission: kratixPromiseRequestPermission,
      resourceRef: promise,
      reason: `You are not allowed to request ${promise} (permission kratix.promise.request).`,
    },
  );
}
