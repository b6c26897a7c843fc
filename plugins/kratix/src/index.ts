/**
 * Kratix in Backstage's frontend (legacy system); the new frontend system's
 * plugin is the `/alpha` export.
 *
 * @packageDocumentation
 */
export {
  kratixPlugin,
  KratixPage,
  EntityKratixContent,
  EntityKratixCard,
} from './plugin';
export { isKratixEntity, kratixEntityTarget } from './lib/entityTarget';
/** Re-exported from the common package, where the catalog module finds it too. */
export { KRATIX_ANNOTATIONS } from '@kratix-backstage/plugin-kratix-common';
export type { KratixEntityTarget } from './lib/entityTarget';
export { kratixApiRef } from './api/KratixApi';
export type {
  KratixApi,
  KubeList,
  ListOptions,
  WhatIfResult,
  WhatIfChange,
  WorkExplanation,
  ApplyResult,
} from './api/KratixApi';
export { KratixClient } from './api/KratixClient';
export { KratixApiError } from './api/errors';
export type { KubeStatus, StatusCause } from './api/errors';
export { rootRouteRef } from './routes';
