import fs from 'node:fs';
import path from 'node:path';
import { createBackendModule } from '@backstage/backend-plugin-api';
import {
  InProcessPipeline,
  kratixPipelinesExtensionPoint,
} from '@kratix-backstage/plugin-kratix-node';

export const ECHO_IMAGE = 'example.org/in-process/echo:v1';

/**
 * A one-file in-process pipeline, so tests of many requests measure the
 * engine rather than sandboxes.
 */
export const echoPipeline: InProcessPipeline = {
  image: ECHO_IMAGE,
  async run({ object, outputDir }) {
    fs.writeFileSync(
      path.join(outputDir, 'echo.yaml'),
      `kind: ConfigMap\nmetadata: { name: ${object.metadata.name} }\n`,
    );
  },
};

export const echoPipelineModule = createBackendModule({
  pluginId: 'kratix',
  moduleId: 'echo-pipeline',
  register(env) {
    env.registerInit({
      deps: { pipelines: kratixPipelinesExtensionPoint },
      async init({ pipelines }) {
        pipelines.addInProcessPipeline(echoPipeline);
      },
    });
  },
});

/** A Promise whose requests (`Echo`, example.org/v1) run the echo pipeline. */
export const ECHO_PROMISE = `
apiVersion: platform.kratix.io/v1alpha1
kind: Promise
metadata: { name: echo }
spec:
  api:
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: { name: echoes.example.org }
    spec:
      group: example.org
      names: { kind: Echo, plural: echoes }
      scope: Namespaced
      versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema: { type: object }
  workflows:
    resource:
      configure:
        - apiVersion: platform.kratix.io/v1alpha1
          kind: Pipeline
          metadata: { name: echo }
          spec:
            containers:
              - name: echo
                image: ${ECHO_IMAGE}
`;
