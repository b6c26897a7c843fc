/*
 * The tutorial's objects ("Scheduling Promises"), read from examples/, with
 * the status the engine writes at each step.
 */
/* eslint-disable no-restricted-imports -- test-only: reads the repository's example YAML */
import { readFileSync } from 'fs';
import { resolve } from 'path';
import { parseAllDocuments } from 'yaml';
import type {
  DestinationObject,
  KubeObject,
  PromiseObject,
  WorkObject,
  WorkPlacementObject,
} from '@kratix-backstage/plugin-kratix-common';

const examples = resolve(__dirname, '../../../../examples');
const read = (file: string): KubeObject[] =>
  parseAllDocuments(readFileSync(resolve(examples, file), 'utf8')).map(
    d => d.toJS() as KubeObject,
  );

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** md5('.'), the default workload group's id. */
export const ROOT_GROUP_ID = '5058f1af8388633f609cadb75a75dc9d';

export function promise(): PromiseObject {
  const [p] = read('elastic-cloud/promise.yaml');
  return {
    ...clone(p),
    metadata: { ...p.metadata, uid: 'p1', resourceVersion: '1' },
    status: {
      status: 'Available',
      conditions: [
        {
          type: 'ConfigureWorkflowCompleted',
          status: 'True',
          reason: 'PipelinesExecutedSuccessfully',
          message: 'Pipelines completed',
        },
      ],
    },
  } as PromiseObject;
}

export function stateStore(): KubeObject {
  return clone(read('platform/worker-1.yaml').find(o => o.kind === 'FilesystemStateStore')!);
}

export function worker1(labels: Record<string, string> = {}): DestinationObject {
  const d = read('platform/worker-1.yaml').find(o => o.kind === 'Destination')!;
  return {
    ...clone(d),
    metadata: { ...d.metadata, labels, uid: 'd1' },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'StateStoreReady', message: 'Ready' },
      ],
    },
  } as DestinationObject;
}

export function request(status?: Record<string, unknown>): KubeObject {
  const [r] = read('resource-request.yaml');
  return { ...clone(r), metadata: { ...r.metadata, uid: 'r1' }, status };
}

/** The request's status while worker-1 lacks pvCapacity=large. */
export function pendingRequestStatus(work = 'example-instance-configure-1a2b3') {
  return {
    message: 'Pending',
    schedulingMessage:
      'Pending: needs environment=dev, pvCapacity=large; no destination has them all: worker-1 lacks pvCapacity=large',
    conditions: [
      { type: 'ConfigureWorkflowCompleted', status: 'True', reason: 'PipelinesExecutedSuccessfully', message: 'Pipelines completed' },
      { type: 'WorksSucceeded', status: 'False', reason: 'WorksPending', message: 'Some works are pending' },
    ],
    destinations: [],
    scheduling: [
      {
        work,
        id: ROOT_GROUP_ID,
        directory: '.',
        resolvedSelectors: { environment: 'dev', pvCapacity: 'large' },
        destinations: [],
        misplaced: [],
        unscheduled: true,
        summary:
          'needs environment=dev, pvCapacity=large; no destination has them all: worker-1 lacks pvCapacity=large',
      },
    ],
  };
}

export function scheduledRequestStatus(work = 'example-instance-configure-1a2b3') {
  return {
    message: 'Resource requested',
    schedulingMessage: 'Scheduled on worker-1',
    conditions: [
      { type: 'WorksSucceeded', status: 'True', reason: 'AllWorksSucceeded', message: 'All works succeeded' },
    ],
    destinations: ['worker-1'],
    scheduling: [
      {
        work,
        id: ROOT_GROUP_ID,
        directory: '.',
        resolvedSelectors: { environment: 'dev', pvCapacity: 'large' },
        destinations: ['worker-1'],
        misplaced: [],
        unscheduled: false,
        summary: '1 destination matches: worker-1',
      },
    ],
  };
}

export function requestWork(scheduled: boolean): WorkObject {
  return {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Work',
    metadata: {
      name: 'example-instance-configure-1a2b3',
      namespace: 'default',
      labels: { 'kratix.io/promise-name': 'elastic-cloud', 'kratix.io/resource-name': 'example' },
    },
    spec: {
      promiseName: 'elastic-cloud',
      resourceName: 'example',
      workloadGroups: [
        {
          id: ROOT_GROUP_ID,
          directory: '.',
          workloads: [
            { filepath: 'beats.yaml', content: 'kind: Beat' },
            { filepath: 'elasticsearch.yaml', content: 'kind: Elasticsearch' },
          ],
          destinationSelectors: [
            { matchLabels: { environment: 'dev' }, source: 'promise' },
            { matchLabels: { pvCapacity: 'large' }, source: 'resource-workflow' },
          ],
        },
      ],
    },
    status: {
      workloadGroups: (scheduled ? scheduledRequestStatus() : pendingRequestStatus()).scheduling,
    },
  };
}

export function depsWork(scheduled: boolean): WorkObject {
  return {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'Work',
    metadata: {
      name: 'elastic-cloud-static-deps',
      namespace: 'kratix-platform-system',
      labels: { 'kratix.io/promise-name': 'elastic-cloud' },
    },
    spec: {
      promiseName: 'elastic-cloud',
      workloadGroups: [
        {
          id: ROOT_GROUP_ID,
          directory: '.',
          workloads: [{ filepath: 'static/elastic-cloud-dependencies.yaml', content: 'kind: Namespace' }],
          destinationSelectors: [{ matchLabels: { environment: 'dev' }, source: 'promise' }],
        },
      ],
    },
    status: {
      workloadGroups: [
        {
          id: ROOT_GROUP_ID,
          directory: '.',
          resolvedSelectors: { environment: 'dev' },
          destinations: scheduled ? ['worker-1'] : [],
          misplaced: [],
          unscheduled: !scheduled,
          summary: scheduled
            ? '1 destination matches: worker-1'
            : 'needs environment=dev; no destination has it: worker-1 lacks environment=dev',
        },
      ],
    },
  };
}

export function requestPlacement(): WorkPlacementObject {
  return {
    apiVersion: 'platform.kratix.io/v1alpha1',
    kind: 'WorkPlacement',
    metadata: {
      name: 'example-instance-configure-1a2b3.worker-1-5058f',
      namespace: 'default',
      labels: {
        'kratix.io/work': 'example-instance-configure-1a2b3',
        'kratix.io/workload-group-id': ROOT_GROUP_ID,
        'kratix.io/pipeline-name': 'instance-configure',
        'kratix.io/targetDestinationName': 'worker-1',
      },
    },
    spec: {
      targetDestinationName: 'worker-1',
      promiseName: 'elastic-cloud',
      resourceName: 'example',
      id: ROOT_GROUP_ID,
      workloads: requestWork(true).spec!.workloadGroups[0].workloads,
    },
  };
}
