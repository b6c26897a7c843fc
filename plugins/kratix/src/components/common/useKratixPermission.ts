import type { BasicPermission, ResourcePermission } from '@backstage/plugin-permission-common';
import { usePermission } from '@backstage/plugin-permission-react';
import {
  kratixDestinationLabelPermission,
  kratixPlatformManagePermission,
  kratixPromiseRequestPermission,
  kratixResourceRequestPermission,
} from '@kratix-backstage/plugin-kratix-common';

/**
 * Whether the user is known to be denied, and then why in words (with the
 * permission, for whoever grants it). Only a denial counts: while the
 * decision loads, a control stays usable rather than flickering off for
 * everyone it is allowed to (the common case), and the backend checks again.
 */
export interface KratixPermission {
  denied: boolean;
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
  // A check that fails (e.g. a backend that cannot evaluate conditions on
  // this resource type) is no denial either: its 403 on submit names the permission.
  const deniedBy = (r: typeof first) => !r.loading && !r.error && !r.allowed;
  if (deniedBy(first)) return { denied: true, reason: basicReason };
  if (deniedBy(second)) return { denied: true, reason: resource?.reason ?? basicReason };
  return { denied: false };
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
