import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  BackstageCredentials,
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import type {
  EntityProviderConnection,
  EntityProviderMutation,
} from '@backstage/plugin-catalog-node';
// The real plugin whose object service the provider follows.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import kratixPlugin from '@kratix-backstage/plugin-kratix-backend';
import {
  KratixObjectService,
  kratixObjectServiceRef,
} from '@kratix-backstage/plugin-kratix-node';

export const EXAMPLES = path.resolve(__dirname, '../../../../examples');

/**
 * A real backend with the Kratix plugin (tutorial start: worker-1) and the
 * object service it binds, as another plugin's module sees it.
 */
export async function startKratix() {
  const stateStoreRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'kratix-cat-'));
  let objects: KratixObjectService | undefined;
  let credentials: (() => Promise<BackstageCredentials>) | undefined;
  const capture = createBackendModule({
    pluginId: 'kratix',
    moduleId: 'test-capture',
    register(reg) {
      reg.registerInit({
        deps: { service: kratixObjectServiceRef, auth: coreServices.auth },
        async init({ service, auth }) {
          objects = service;
          credentials = () => auth.getOwnServiceCredentials();
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      kratixPlugin,
      capture,
      mockServices.rootConfig.factory({
        data: {
          kratix: {
            bootstrap: [path.join(EXAMPLES, 'platform/worker-1.yaml')],
            filesystemStateStore: { rootDir: stateStoreRoot },
          },
        },
      }),
    ],
  });
  return {
    objects: objects!,
    credentials: credentials!,
    async stop() {
      await backend.stop();
      fs.rmSync(stateStoreRoot, { recursive: true, force: true });
    },
  };
}

/** The catalog's side of a provider connection, recording each mutation. */
export function recordingConnection() {
  const mutations: { at: number; mutation: EntityProviderMutation }[] = [];
  const connection: EntityProviderConnection = {
    async applyMutation(mutation) {
      mutations.push({ at: Date.now(), mutation });
    },
    async refresh() {},
  };
  return { connection, mutations };
}
