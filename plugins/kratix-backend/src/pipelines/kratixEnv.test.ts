import { PromiseObject } from '@kratix-backstage/plugin-kratix-common';
import { kratixEnv } from './kratixEnv';

const promise: PromiseObject = {
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Promise',
  metadata: { name: 'elastic-cloud' },
  spec: {
    api: {
      spec: {
        group: 'marketplace.kratix.io',
        names: { kind: 'elastic-cloud', plural: 'elastic-clouds' },
        versions: [{ name: 'v1alpha1' }],
      },
    },
  },
};

describe('kratixEnv', () => {
  it('describes a resource workflow', () => {
    expect(
      kratixEnv({
        action: 'configure',
        workflowType: 'resource',
        promise,
        pipelineName: 'instance-configure',
        object: {
          apiVersion: 'marketplace.kratix.io/v1alpha1',
          kind: 'elastic-cloud',
          metadata: { name: 'example', namespace: 'default' },
        },
      }),
    ).toEqual({
      KRATIX_WORKFLOW_ACTION: 'configure',
      KRATIX_WORKFLOW_TYPE: 'resource',
      KRATIX_PROMISE_NAME: 'elastic-cloud',
      KRATIX_PIPELINE_NAME: 'instance-configure',
      KRATIX_OBJECT_KIND: 'elastic-cloud',
      KRATIX_OBJECT_GROUP: 'marketplace.kratix.io',
      KRATIX_OBJECT_VERSION: 'v1alpha1',
      KRATIX_OBJECT_NAME: 'example',
      KRATIX_OBJECT_NAMESPACE: 'default',
      KRATIX_CRD_PLURAL: 'elastic-clouds',
      KRATIX_CLUSTER_SCOPED: 'false',
    });
  });

  it('describes a promise workflow as Kratix does: cluster scoped, plural promises, no namespace', () => {
    expect(
      kratixEnv({
        action: 'delete',
        workflowType: 'promise',
        promise,
        pipelineName: 'promise-delete',
        object: promise,
      }),
    ).toMatchObject({
      KRATIX_WORKFLOW_ACTION: 'delete',
      KRATIX_WORKFLOW_TYPE: 'promise',
      KRATIX_OBJECT_KIND: 'Promise',
      KRATIX_OBJECT_GROUP: 'platform.kratix.io',
      KRATIX_OBJECT_VERSION: 'v1alpha1',
      KRATIX_OBJECT_NAME: 'elastic-cloud',
      KRATIX_OBJECT_NAMESPACE: '',
      KRATIX_CRD_PLURAL: 'promises',
      KRATIX_CLUSTER_SCOPED: 'true',
    });
  });
});
