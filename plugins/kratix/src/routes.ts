import { createRouteRef } from '@backstage/core-plugin-api';

/** The plugin's one page; promises, destinations and resources are its sub-paths. */
export const rootRouteRef = createRouteRef({ id: 'kratix' });
