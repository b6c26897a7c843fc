import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { kratixObjectServiceRef } from '@kratix-backstage/plugin-kratix-node';
import { createDestinationLabelAction } from './actions/destinationLabel';
import { createResourceRequestAction } from './actions/resourceRequest';
import { createResourceWaitAction } from './actions/resourceWait';
import {
  DEFAULT_TEMPLATE_OWNER,
  gitopsRepositoriesFromConfig,
  TEMPLATES_OWNER_KEY,
} from './config';
import { PromiseTemplateProvider } from './templates/PromiseTemplateProvider';

/** The Kratix scaffolder actions: kratix:resource:request, kratix:resource:wait, kratix:destination:label. */
export const scaffolderModuleKratix = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'kratix',
  register(env) {
    env.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        objects: kratixObjectServiceRef,
        config: coreServices.rootConfig,
      },
      async init({ scaffolder, objects, config }) {
        const gitopsRepositories = gitopsRepositoriesFromConfig(config);
        scaffolder.addActions(
          createResourceRequestAction({ objects, gitopsRepositories }),
          createResourceWaitAction({ objects }),
          createDestinationLabelAction({ objects }),
        );
      },
    });
  },
});

/** A scaffolder Template per Kratix Promise in the catalog, generated from its API. */
export const catalogModuleKratixTemplates = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'kratix-templates',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        objects: kratixObjectServiceRef,
        config: coreServices.rootConfig,
        auth: coreServices.auth,
        logger: coreServices.logger,
        lifecycle: coreServices.lifecycle,
      },
      async init({ catalog, objects, config, auth, logger, lifecycle }) {
        if (
          config.getOptionalBoolean('kratix.scaffolder.templates.enabled') ===
          false
        ) {
          return;
        }
        const provider = new PromiseTemplateProvider({
          objects,
          auth,
          logger,
          template: {
            owner:
              config.getOptionalString(TEMPLATES_OWNER_KEY) ??
              DEFAULT_TEMPLATE_OWNER,
          },
        });
        catalog.addEntityProvider(provider);
        lifecycle.addShutdownHook(() => provider.close());
      },
    });
  },
});
