import {
  createApiFactory,
  createComponentExtension,
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

/** A catalog entity tab: the Kratix view of a Promise, Destination or resource entity. */
export const EntityKratixContent = kratixPlugin.provide(
  createComponentExtension({
    name: 'EntityKratixContent',
    component: {
      lazy: () =>
        import('./components/entity/EntityKratixContent').then(
          m => m.EntityKratixContent,
        ),
    },
  }),
);

/** A catalog entity card: where the entity's Kratix object runs, or what it waits for. */
export const EntityKratixCard = kratixPlugin.provide(
  createComponentExtension({
    name: 'EntityKratixCard',
    component: {
      lazy: () =>
        import('./components/entity/EntityKratixCard').then(
          m => m.EntityKratixCard,
        ),
    },
  }),
);
