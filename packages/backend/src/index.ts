/*
 * The portal's backend: Backstage's usual plugins plus the embedded Kratix
 * engine. Start it with `yarn start`; layer your own config with
 * `yarn start --config ../../app-config.yaml --config my-config.yaml`.
 */
import { createBackend } from '@backstage/backend-defaults';
import { catalogModuleKratixTemplates } from '@kratix-backstage/plugin-scaffolder-backend-module-kratix';

const backend = createBackend();

// Serves the built app (packages/app/dist) with its runtime config, so the
// portal is one origin (scripts/start.sh builds it first).
backend.add(import('@backstage/plugin-app-backend'));

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.add(
  import('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'),
);
backend.add(import('@backstage/plugin-scaffolder-backend'));
backend.add(import('@backstage/plugin-permission-backend'));
// Allows everything but what kratix.policy.denyRequests lists (README).
backend.add(import('./permissionPolicy'));
backend.add(import('@backstage/plugin-search-backend'));
backend.add(import('@backstage/plugin-search-backend-module-catalog'));
// Pushes the Kratix backend's "changed" hints to open pages.
backend.add(import('@backstage/plugin-signals-backend'));
backend.add(import('@kratix-backstage/plugin-kratix-backend'));
// Kratix's objects as catalog entities; needs the Kratix plugin in this backend.
backend.add(import('@kratix-backstage/plugin-catalog-backend-module-kratix'));
// Kratix scaffolder actions, and a Template per Promise in the catalog.
backend.add(
  import('@kratix-backstage/plugin-scaffolder-backend-module-kratix'),
);
backend.add(catalogModuleKratixTemplates);

backend.start();
