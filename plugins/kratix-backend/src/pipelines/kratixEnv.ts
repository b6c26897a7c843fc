import {
  KubeObject,
  PromiseObject,
  parseApiVersion,
} from '@kratix-backstage/plugin-kratix-common';

export type WorkflowAction = 'configure' | 'delete';
export type WorkflowType = 'promise' | 'resource';

export interface KratixEnvInput {
  action: WorkflowAction;
  workflowType: WorkflowType;
  promise: PromiseObject;
  pipelineName: string;
  /** The object in `/kratix/input/object.yaml`: the Promise or the request. */
  object: KubeObject;
}

/**
 * The `KRATIX_*` variables Kratix gives every pipeline container, with the
 * same values: a Promise is cluster scoped with plural `promises`; a request
 * takes plural and scope from the Promise's API.
 */
export function kratixEnv(input: KratixEnvInput): Record<string, string> {
  const { action, workflowType, promise, pipelineName, object } = input;
  const { group, version } = parseApiVersion(object.apiVersion);
  const api = promise.spec?.api?.spec;
  const crdPlural =
    workflowType === 'promise' ? 'promises' : api?.names.plural ?? '';
  const clusterScoped =
    workflowType === 'promise' ||
    (api?.scope as string | undefined) === 'Cluster';
  return {
    KRATIX_WORKFLOW_ACTION: action,
    KRATIX_WORKFLOW_TYPE: workflowType,
    KRATIX_PROMISE_NAME: promise.metadata.name,
    KRATIX_PIPELINE_NAME: pipelineName,
    KRATIX_OBJECT_KIND: object.kind,
    KRATIX_OBJECT_GROUP: group,
    KRATIX_OBJECT_VERSION: version,
    KRATIX_OBJECT_NAME: object.metadata.name,
    KRATIX_OBJECT_NAMESPACE: object.metadata.namespace ?? '',
    KRATIX_CRD_PLURAL: crdPlural,
    KRATIX_CLUSTER_SCOPED: String(clusterScoped),
  };
}
