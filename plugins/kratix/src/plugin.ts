import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { kratixApiRef } from './api/KratixApi';
import { KratixClient } from './api/KratixClient';
import { rootRouteRef } from './routes';

export const kratixPlugin = createPlugin({
  id: 'kratix',
  apis: [
    createApiFactory({
      api: kratixApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new KratixClient({ discoveryApi, fetchApi }),
    }),
  ],
  routes: { root: rootRouteRef },
});

/** Promises, Destinations and resources: mount it at e.g. `/kratix/*`. */
export const KratixPage = kratixPlugin.provide(
  createRoutableExtension({
    name: 'KratixPage',
    component: () =>
      import('./components/KratixPage/LegacyKratixPage').then(
        m => m.LegacyKratixPage,
      ),
    mountPoint: rootRouteRef,
  }),
);
