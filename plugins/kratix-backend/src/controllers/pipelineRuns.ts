import { createHash, randomBytes } from 'node:crypto';
import {
  KRATIX_SYSTEM_NAMESPACE,
  KubeObject,
  LABEL_PIPELINE_NAME,
  LABEL_PROMISE_ID,
  LABEL_PROMISE_NAME,
  LABEL_RESOURCE_NAME,
  LABEL_WORKFLOW_ACTION,
  LABEL_WORKFLOW_TYPE,
  PipelineObject,
} from '@kratix-backstage/plugin-kratix-common';
import type { ContainerRun, PipelineResult } from '../pipelines/runPipeline';
import { LogTail } from '../pipelines/logTail';
import type { ObjectStore } from '../store/types';
import { POD_KIND } from '../admission/kinds';
import { deleteIfExists, labelsEqual } from './objects';

/**
 * Where each container's output is kept on the stored Pod. The API leaves
 * it out of Pods, as Kubernetes does, and serves it at `.../log`.
 */
export const LOGS_FIELD = 'containerLogs';

export interface PipelineRunLimits {
  /** Runs kept per object (Promise or resource request); older go. */
  runsPerObject: number;
  /** The tail of each container's output that is kept. */
  logBytesPerContainer: number;
}

export const DEFAULT_PIPELINE_RUN_LIMITS: PipelineRunLimits = {
  runsPerObject: 10,
  logBytesPerContainer: 64 * 1024,
};

/** Why a run ended without its result. */
const INTERRUPTED = 'the replica running it stopped during the run';

/** The object a stored run is of, as its labels say. */
export interface RunOwner {
  type: 'promise' | 'resource';
  promiseName: string;
  namespace: string;
  resourceName?: string;
}

export interface RunTarget {
  type: 'promise' | 'resource';
  object: KubeObject;
  promiseName: string;
}

function runLabels(
  target: RunTarget,
  pipeline: string,
  action: string,
): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL_PROMISE_ID]: target.promiseName,
    [LABEL_PROMISE_NAME]: target.promiseName,
    [LABEL_PIPELINE_NAME]: pipeline,
    [LABEL_WORKFLOW_TYPE]: target.type,
    [LABEL_WORKFLOW_ACTION]: action,
  };
  if (target.type === 'resource') {
    labels[LABEL_RESOURCE_NAME] = target.object.metadata.name;
  }
  return labels;
}

/**
 * Kratix's pod name, `kratix-<promise>[-<resource>]-<pipeline>-<suffix>`,
 * shortened with a hash where it would pass Kubernetes' 63 characters.
 */
export function runName(target: RunTarget, pipeline: string): string {
  const parts = ['kratix', target.promiseName];
  if (target.type === 'resource') parts.push(target.object.metadata.name);
  parts.push(pipeline);
  let base = parts.join('-');
  if (base.length > 56) {
    const hash = createHash('md5').update(base).digest('hex').slice(0, 8);
    base = `${base.slice(0, 47).replace(/[-.]+$/, '')}-${hash}`;
  }
  return `${base}-${randomBytes(3).toString('hex').slice(0, 5)}`;
}

function runNamespace(target: RunTarget) {
  return target.type === 'resource'
    ? target.object.metadata.namespace ?? 'default'
    : KRATIX_SYSTEM_NAMESPACE;
}

function tail(text: string, maxBytes: number) {
  const t = new LogTail(maxBytes);
  t.write(text);
  return t.toString();
}

function terminated(run: ContainerRun) {
  return {
    name: run.name,
    image: run.image,
    ready: false,
    restartCount: 0,
    state: {
      terminated: {
        exitCode: run.exitCode,
        reason: run.exitCode === 0 ? 'Completed' : run.reason ?? 'Error',
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
      },
    },
  };
}

/**
 * Records pipeline runs as Pods in the object store, where Kratix's run:
 * the request's namespace for resource workflows, kratix-platform-system
 * for promise workflows. Each run is one Pod: Running when it starts,
 * Succeeded or Failed with each container's exit code and output tail.
 */
export class PipelineRuns {
  constructor(
    private readonly store: ObjectStore,
    private readonly limits: PipelineRunLimits = DEFAULT_PIPELINE_RUN_LIMITS,
  ) {}

  async start(
    target: RunTarget,
    pipeline: PipelineObject,
    action: 'configure' | 'delete',
  ): Promise<KubeObject> {
    const containers = pipeline.spec.containers.map(c => ({
      name: c.name,
      image: c.image,
    }));
    // One replica at a time reconciles an object, so a run of it still
    // Running now was cut short by a replica that died or stopped.
    for (const pod of await this.runsFor(target)) {
      if (pod.status?.phase === 'Running') {
        await this.finish(pod, { aborted: INTERRUPTED });
      }
    }
    return this.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: runName(target, pipeline.metadata.name),
        namespace: runNamespace(target),
        labels: runLabels(target, pipeline.metadata.name, action),
      },
      spec: { restartPolicy: 'Never', containers },
      status: {
        phase: 'Running',
        startTime: new Date().toISOString(),
        containerStatuses: containers.map(c => ({
          ...c,
          ready: false,
          restartCount: 0,
          state: { waiting: { reason: 'PodInitializing' } },
        })),
      },
    });
  }

  async finish(pod: KubeObject, result: PipelineResult | { aborted: string }) {
    const ran = 'aborted' in result ? [] : result.containers;
    const byName = new Map(ran.map(r => [r.name, r]));
    const specContainers: { name: string; image: string }[] =
      pod.spec?.containers ?? [];
    const ok = !('aborted' in result) && result.ok;
    const status: Record<string, unknown> = {
      ...(pod.status ?? {}),
      phase: ok ? 'Succeeded' : 'Failed',
      containerStatuses: specContainers.map(c => {
        const run = byName.get(c.name);
        return run
          ? terminated(run)
          : {
              ...c,
              ready: false,
              restartCount: 0,
              // Never started: an earlier container failed.
              state: { waiting: { reason: 'PodInitializing' } },
            };
      }),
      [LOGS_FIELD]: Object.fromEntries(
        ran.map(r => [r.name, tail(r.logs, this.limits.logBytesPerContainer)]),
      ),
    };
    if ('aborted' in result) {
      status.reason = 'Aborted';
      status.message = result.aborted;
    } else if (!result.ok) {
      status.reason = result.reason;
      status.message = result.message;
    }
    await this.store.updateStatus({ ...pod, status });
    await this.prune(pod);
  }

  /**
   * Marks runs still Running as Failed when no replica is reconciling
   * their object any more (`live` says whether one is): the process that
   * ran them is gone. Another replica's live runs stay Running.
   */
  async failInterrupted(live: (run: RunOwner) => Promise<boolean>) {
    for (const pod of await this.store.list(POD_KIND)) {
      if (pod.status?.phase !== 'Running') continue;
      const labels = pod.metadata.labels ?? {};
      const owner: RunOwner = {
        type:
          labels[LABEL_WORKFLOW_TYPE] === 'resource' ? 'resource' : 'promise',
        promiseName: labels[LABEL_PROMISE_NAME] ?? '',
        namespace: pod.metadata.namespace ?? '',
        resourceName: labels[LABEL_RESOURCE_NAME],
      };
      if (!(await live(owner))) {
        await this.finish(pod, { aborted: INTERRUPTED });
      }
    }
  }

  /** Removes an object's runs with it, as Kubernetes garbage-collects them. */
  async deleteFor(target: RunTarget) {
    for (const pod of await this.runsFor(target)) {
      await deleteIfExists(this.store, {
        ...POD_KIND,
        namespace: pod.metadata.namespace,
        name: pod.metadata.name,
      });
    }
  }

  /** Every run of a workflow target's object. */
  private runsFor(target: RunTarget) {
    const labels = runLabels(target, '', '');
    return this.runsOf(
      runNamespace(target),
      labels[LABEL_PROMISE_NAME],
      target.type,
      labels[LABEL_RESOURCE_NAME],
    );
  }

  private async runsOf(
    namespace: string | undefined,
    promise: string,
    type: string,
    resource: string | undefined,
  ) {
    return (
      await this.store.list(POD_KIND, {
        namespace,
        labelSelector: labelsEqual({
          [LABEL_PROMISE_NAME]: promise,
          [LABEL_WORKFLOW_TYPE]: type,
          ...(resource ? { [LABEL_RESOURCE_NAME]: resource } : {}),
        }),
      })
    ).filter(p => p.metadata.labels?.[LABEL_RESOURCE_NAME] === resource);
  }

  /** Keeps the newest runs of the pod's object. */
  private async prune(pod: KubeObject) {
    const labels = pod.metadata.labels ?? {};
    const runs = await this.runsOf(
      pod.metadata.namespace,
      labels[LABEL_PROMISE_NAME],
      labels[LABEL_WORKFLOW_TYPE],
      labels[LABEL_RESOURCE_NAME],
    );
    const newestFirst = runs.sort((a, b) =>
      String(b.status?.startTime ?? '').localeCompare(
        String(a.status?.startTime ?? ''),
      ),
    );
    for (const old of newestFirst.slice(this.limits.runsPerObject)) {
      await deleteIfExists(this.store, {
        ...POD_KIND,
        namespace: old.metadata.namespace,
        name: old.metadata.name,
      });
    }
  }
}
