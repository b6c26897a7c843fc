export { createRouter } from './createRouter';
export type { RouterOptions } from './createRouter';
export type { Status, StatusDetails, StatusCause } from './status';
export type { ApplyResult, AppliedItem } from '../objects/applyManifests';
export type { ApplyAction } from '../objects/ObjectOperations';
/**
 * The permissions the router checks; the plugin passes them to
 * `coreServices.permissionsRegistry.addPermissions(...)`.
 */
export { kratixPermissions } from '@kratix-backstage/plugin-kratix-common';
