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

/*
 * Resource permissions, checked besides the basic ones above (which keep
 * working as before) for the three kinds a policy most often restricts.
 * A policy answers them ALLOW, DENY, or with conditions on the object
 * (rules in @kratix-backstage/plugin-kratix-node): lists and watches then
 * show only the objects the conditions allow.
 */
export const KRATIX_PROMISE_RESOURCE_TYPE = 'kratix-promise';
export const KRATIX_RESOURCE_RESOURCE_TYPE = 'kratix-resource';
export const KRATIX_DESTINATION_RESOURCE_TYPE = 'kratix-destination';

export const kratixPromiseReadPermission = createPermission({
  name: 'kratix.promise.read',
  attributes: { action: 'read' },
  resourceType: KRATIX_PROMISE_RESOURCE_TYPE,
});
export const kratixPromiseCreatePermission = createPermission({
  name: 'kratix.promise.create',
  attributes: { action: 'create' },
  resourceType: KRATIX_PROMISE_RESOURCE_TYPE,
});
export const kratixPromiseUpdatePermission = createPermission({
  name: 'kratix.promise.update',
  attributes: { action: 'update' },
  resourceType: KRATIX_PROMISE_RESOURCE_TYPE,
});
export const kratixPromiseDeletePermission = createPermission({
  name: 'kratix.promise.delete',
  attributes: { action: 'delete' },
  resourceType: KRATIX_PROMISE_RESOURCE_TYPE,
});
/**
 * Requesting a resource from a Promise (creating a request of its kind):
 * a permission on the Promise, so a policy can allow it per Promise.
 */
export const kratixPromiseRequestPermission = createPermission({
  name: 'kratix.promise.request',
  attributes: { action: 'create' },
  resourceType: KRATIX_PROMISE_RESOURCE_TYPE,
});

export const kratixResourceReadPermission = createPermission({
  name: 'kratix.resource.read',
  attributes: { action: 'read' },
  resourceType: KRATIX_RESOURCE_RESOURCE_TYPE,
});
export const kratixResourceUpdatePermission = createPermission({
  name: 'kratix.resource.update',
  attributes: { action: 'update' },
  resourceType: KRATIX_RESOURCE_RESOURCE_TYPE,
});
export const kratixResourceDeletePermission = createPermission({
  name: 'kratix.resource.delete',
  attributes: { action: 'delete' },
  resourceType: KRATIX_RESOURCE_RESOURCE_TYPE,
});

export const kratixDestinationReadPermission = createPermission({
  name: 'kratix.destination.read',
  attributes: { action: 'read' },
  resourceType: KRATIX_DESTINATION_RESOURCE_TYPE,
});
export const kratixDestinationCreatePermission = createPermission({
  name: 'kratix.destination.create',
  attributes: { action: 'create' },
  resourceType: KRATIX_DESTINATION_RESOURCE_TYPE,
});
/** Changing a Destination other than its labels. */
export const kratixDestinationUpdatePermission = createPermission({
  name: 'kratix.destination.update',
  attributes: { action: 'update' },
  resourceType: KRATIX_DESTINATION_RESOURCE_TYPE,
});
export const kratixDestinationDeletePermission = createPermission({
  name: 'kratix.destination.delete',
  attributes: { action: 'delete' },
  resourceType: KRATIX_DESTINATION_RESOURCE_TYPE,
});
/** Changing a Destination's labels, which moves workloads: its own permission. */
export const kratixDestinationLabelPermission = createPermission({
  name: 'kratix.destination.label',
  attributes: { action: 'update' },
  resourceType: KRATIX_DESTINATION_RESOURCE_TYPE,
});

export const kratixResourcePermissions = [
  kratixPromiseReadPermission,
  kratixPromiseCreatePermission,
  kratixPromiseUpdatePermission,
  kratixPromiseDeletePermission,
  kratixPromiseRequestPermission,
  kratixResourceReadPermission,
  kratixResourceUpdatePermission,
  kratixResourceDeletePermission,
  kratixDestinationReadPermission,
  kratixDestinationCreatePermission,
  kratixDestinationUpdatePermission,
  kratixDestinationDeletePermission,
  kratixDestinationLabelPermission,
];
