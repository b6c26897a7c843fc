import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { kratixObjectServiceRef } from '@kratix-backstage/plugin-kratix-node';
import { DEFAULT_ENTITY_OPTIONS } from './entities';
import { KratixEntityProvider } from './KratixEntityProvider';

/**
 * Mirrors Kratix's Promises, their APIs, resource requests and Destinations
 * into the catalog. Runs in the same backend as the Kratix plugin, whose
 * object service it reads.
 */
export const catalogModuleKratix = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'kratix',
  register(reg) {
    reg.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        objects: kratixObjectServiceRef,
        auth: coreServices.auth,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
      },
      async init({ catalog, objects, auth, config, logger, lifecycle }) {
        const owner =
          config.getOptionalString('kratix.catalog.owner') ??
          DEFAULT_ENTITY_OPTIONS.owner;
        const provider = new KratixEntityProvider({
          objects,
          credentials: () => auth.getOwnServiceCredentials(),
          logger,
          entityOptions: { ...DEFAULT_ENTITY_OPTIONS, owner },
        });
        catalog.addEntityProvider(provider);
        lifecycle.addShutdownHook(() => provider.stop());
      },
    });
  },
});
