import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Permissions of the Kratix plugin. Reading is split from writing so a
 * portal can let everyone see where things run while only platform
 * engineers change Promises and Destinations.
 */
export const kratixReadPermission = createPermission({
  name: 'kratix.object.read',
  attributes: { action: 'read' },
});

/** Creating, changing and deleting resource requests (developers). */
export const kratixResourceRequestPermission = createPermission({
  name: 'kratix.resource.request',
  attributes: { action: 'create' },
});

/** Creating, changing and deleting Promises, Destinations and state stores. */
export const kratixPlatformManagePermission = createPermission({
  name: 'kratix.platform.manage',
  attributes: { action: 'update' },
});

export const kratixPermissions = [
  kratixReadPermission,
  kratixResourceRequestPermission,
  kratixPlatformManagePermission,
];
