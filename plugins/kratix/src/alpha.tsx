import {
  ApiBlueprint,
  createFrontendPlugin,
  discoveryApiRef,
  fetchApiRef,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import { compatWrapper, convertLegacyRouteRef } from '@backstage/core-compat-api';
import { ReactRouterV6PageRouter } from '@backstage/frontend-adapter-react-router-v6';
import CloudQueueIcon from '@material-ui/icons/CloudQueue';
import {
  EntityCardBlueprint,
  EntityContentBlueprint,
} from '@backstage/plugin-catalog-react/alpha';
import { kratixApiRef } from './api/KratixApi';
import { isKratixEntity } from './lib/entityTarget';
import { KratixClient } from './api/KratixClient';
import { rootRouteRef } from './routes';

const root = convertLegacyRouteRef(rootRouteRef);

const kratixApi = ApiBlueprint.make({
  params: defineParams =>
    defineParams({
      api: kratixApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new KratixClient({ discoveryApi, fetchApi }),
    }),
});

/** The plugin's page; its title and icon give the nav item. */
export const kratixPage = PageBlueprint.make({
  params: {
    path: '/kratix',
    title: 'Kratix',
    icon: <CloudQueueIcon />,
    routeRef: root,
    loader: () =>
      import('./components/KratixPage/KratixPage').then(m => (
        <ReactRouterV6PageRouter>
          {compatWrapper(<m.KratixRoutes />)}
        </ReactRouterV6PageRouter>
      )),
  },
});

/** The Kratix tab on Promise, Destination and resource entities. */
export const kratixEntityContent = EntityContentBlueprint.make({
  params: {
    path: '/kratix',
    title: 'Kratix',
    filter: isKratixEntity,
    loader: () =>
      import('./components/entity/EntityKratixContent').then(m =>
        compatWrapper(<m.EntityKratixContent />),
      ),
  },
});

export const kratixEntityCard = EntityCardBlueprint.make({
  params: {
    filter: isKratixEntity,
    loader: () =>
      import('./components/entity/EntityKratixCard').then(m =>
        compatWrapper(<m.EntityKratixCard />),
      ),
  },
});

export default createFrontendPlugin({
  pluginId: 'kratix',
  info: { packageJson: () => import('../package.json') },
  routes: { root },
  extensions: [kratixApi, kratixPage, kratixEntityContent, kratixEntityCard],
});
