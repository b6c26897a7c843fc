import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { metricsServiceRef } from '@backstage/backend-plugin-api/alpha';
import type { Config } from '@backstage/config';
import {
  DeferredKratixObjectService,
  kratixObjectServiceRef,
  InProcessPipeline,
  PipelineRunner,
  StateStoreWriterFactory,
  kratixPipelinesExtensionPoint,
  kratixStateStoresExtensionPoint,
} from '@kratix-backstage/plugin-kratix-node';
import { kratixPermissions } from '@kratix-backstage/plugin-kratix-common';
import { DatabaseObjectStore } from './store/DatabaseObjectStore';
import { DatabaseWorkQueue } from './store/DatabaseWorkQueue';
import { BubblewrapPipelineRunner } from './pipelines/BubblewrapPipelineRunner';
import { FilesystemStateStoreWriterFactory } from './statestores/FilesystemStateStore';
import { BucketStateStoreWriterFactory } from './statestores/BucketStateStore';
import { GitStateStoreWriterFactory } from './statestores/GitStateStore';
import { ConfigSecrets } from './statestores/secrets';
import { createRouter } from './api/createRouter';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import { publishChangeSignals } from './signals/changeSignals';
import { compactPeriodically } from './store/compaction';
import {
  ControllerManager,
  ControllerName,
} from './controllers/ControllerManager';
import { EngineAdmission } from './admission/admission';
import { BUILT_IN_KINDS, InMemoryKindRegistry } from './admission/kinds';
import { bootstrapObjects } from './objects/bootstrap';
import { DefaultKratixObjectService } from './objects/objectService';
import {
  ObjectByName,
  registerResourcePermissions,
} from './permissions/registerResourcePermissions';
import { validateKratixConfig } from './config/validateKratixConfig';
import { recordLimitsFromConfig } from './controllers/recordsConfig';
import { createDeferred } from '@backstage/types';
import {
  KRATIX_GROUP,
  KRATIX_VERSION,
} from '@kratix-backstage/plugin-kratix-common';

/**
 * The Kratix backend plugin: an embedded Kratix engine (Promises,
 * Destinations, scheduling, pipelines, state stores) behind a
 * Kubernetes-shaped HTTP API at `/api/kratix`.
 */
export const kratixPlugin = createBackendPlugin({
  pluginId: 'kratix',
  register(env) {
    const runners: PipelineRunner[] = [];
    const inProcess = new Map<string, InProcessPipeline>();
    const factories: StateStoreWriterFactory[] = [];
    env.registerExtensionPoint(kratixPipelinesExtensionPoint, {
      addPipelineRunner: runner => runners.push(runner),
      addInProcessPipeline: pipeline => inProcess.set(pipeline.image, pipeline),
    });
    env.registerExtensionPoint(kratixStateStoresExtensionPoint, {
      addStateStoreWriterFactory: factory => factories.push(factory),
    });

    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
        lifecycle: coreServices.lifecycle,
        signals: signalsServiceRef,
        auth: coreServices.auth,
        objectServiceRef: kratixObjectServiceRef,
        metrics: metricsServiceRef,
      },
      async init({
        config,
        logger,
        database,
        httpRouter,
        httpAuth,
        permissions,
        permissionsRegistry,
        lifecycle,
        signals,
        auth,
        objectServiceRef,
        metrics,
      }) {
        validateKratixConfig(config);
        permissionsRegistry.addPermissions(kratixPermissions);
        // Conditions are applied to refs only after the store exists.
        let readByName: ObjectByName = async () => undefined;
        registerResourcePermissions(permissionsRegistry, (kind, name) =>
          readByName(kind, name),
        );
        // Modules' runners and stores come first: they are the operator's choice.
        const allRunners = [
          ...runners,
          BubblewrapPipelineRunner.fromConfig(config),
        ];
        const secrets = ConfigSecrets.fromConfig(config);
        const allFactories: StateStoreWriterFactory[] = [
          ...factories,
          FilesystemStateStoreWriterFactory.fromConfig(config),
          new BucketStateStoreWriterFactory({ secrets }),
          new GitStateStoreWriterFactory({ secrets }),
        ].filter((f, i, all) => all.findIndex(o => o.kind === f.kind) === i);
        const builtInKinds = new Set(BUILT_IN_KINDS.map(k => k.kind));
        const kinds = new InMemoryKindRegistry(
          allFactories
            .filter(f => !builtInKinds.has(f.kind))
            .map(f => ({
              group: KRATIX_GROUP,
              version: KRATIX_VERSION,
              kind: f.kind,
              plural: f.plural ?? `${f.kind.toLowerCase()}s`,
              namespaced: false,
              schema: f.schema,
            })),
        );
        const store = await DatabaseObjectStore.create({ database, logger });
        readByName = (kind, name) => store.get({ ...kind, name });
        const shutdown = new AbortController();
        const stopSignals = publishChangeSignals({
          onChange: listener => store.onChange(listener),
          signals,
          logger,
        });
        const stopCompaction = compactPeriodically(store.feed, config, logger);
        const queue = await DatabaseWorkQueue.create({ database });
        const admission = new EngineAdmission(kinds, store);
        const objectService = new DefaultKratixObjectService({
          store,
          kinds,
          admission,
          permissions,
        });
        // Other plugins' modules (catalog, scaffolder) reach it through the ref.
        if (objectServiceRef instanceof DeferredKratixObjectService) {
          objectServiceRef.bind(objectService);
        }
        const engine = new ControllerManager({
          store,
          queue,
          kinds,
          logger,
          runners: allRunners,
          inProcess,
          stateStoreFactories: allFactories,
          concurrency: concurrencyFromConfig(config),
          metrics,
          records: recordLimitsFromConfig(config),
        });
        // Answer only once the bootstrap objects exist: an early client must
        // not see, say, an empty list of Destinations.
        const bootstrapped = createDeferred();
        httpRouter.use(async (_req, _res, next) => {
          await bootstrapped;
          next();
        });
        httpRouter.use(
          await createRouter({
            objects: objectService,
            store,
            kinds,
            httpAuth,
            permissions,
            logger,
            signal: shutdown.signal,
          }),
        );
        // The router authenticates every request itself, so that a missing or
        // bad token is answered with a Kubernetes Status like any other error.
        httpRouter.addAuthPolicy({ path: '/', allow: 'unauthenticated' });
        lifecycle.addStartupHook(async () => {
          try {
            await engine.start();
            await bootstrapObjects({
              files: config.getOptionalStringArray('kratix.bootstrap') ?? [],
              objects: objectService,
              credentials: await auth.getOwnServiceCredentials(),
              logger,
            });
          } finally {
            bootstrapped.resolve();
          }
        });
        lifecycle.addShutdownHook(async () => {
          shutdown.abort();
          stopSignals();
          stopCompaction();
          await engine.stop();
          store.feed.stop();
        });
      },
    });
  },
});

function concurrencyFromConfig(config: Config) {
  const section = config.getOptionalConfig('kratix.engine.concurrency');
  const concurrency: Partial<Record<ControllerName, number>> = {};
  for (const name of section?.keys() ?? []) {
    concurrency[name as ControllerName] = section!.getNumber(name);
  }
  return concurrency;
}
