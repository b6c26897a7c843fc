import type { BackstageCredentials } from '@backstage/backend-plugin-api';
import {
  KRATIX_API_VERSION,
  KRATIX_SYSTEM_NAMESPACE,
  KubeObject,
  PromiseObject,
  WorkPlacementObject,
} from '@kratix-backstage/plugin-kratix-common';
import {
  KratixObjectError,
  KratixObjectRef,
  KratixObjectService,
} from '@kratix-backstage/plugin-kratix-node';
import { requestVersionOf } from '../templates/promiseTemplate';

/** The kind a Promise's API defines, as a manifest names it. */
export interface RequestKind {
  promise: string;
  apiVersion: string;
  kind: string;
  /** Absent when only the reference is known (kratix:resource:wait). */
  plural?: string;
}

/** The request kind of a Promise, read with the caller's credentials. */
export async function requestKindOf(
  objects: KratixObjectService,
  promise: string,
  credentials: BackstageCredentials,
): Promise<RequestKind> {
  const object = await objects.get<PromiseObject>(
    { apiVersion: KRATIX_API_VERSION, kind: 'Promise', name: promise },
    { credentials },
  );
  const api = object.spec?.api;
  const version = requestVersionOf(api);
  if (!api || !version) {
    throw new Error(
      `Promise "${promise}" offers no API (spec.api with a served version): there is nothing to request`,
    );
  }
  return {
    promise,
    apiVersion: `${api.spec.group}/${version.name}`,
    kind: api.spec.names.kind,
    plural: api.spec.names.plural,
  };
}

/** The resource's page in the portal (plugins/kratix), where it says why it is or is not placed. */
export function resourcePagePath(
  kind: RequestKind,
  namespace: string,
  name: string,
): string | undefined {
  if (!kind.plural) return undefined;
  return `/kratix/resources/${kind.apiVersion}/${kind.plural}/${namespace}/${name}`;
}

/** Where a resource's workloads went: one entry per WorkPlacement. */
export interface PlacementOutput {
  destination: string;
  /** Files written, relative to the destination's state store root. */
  files: string[];
}

export interface ResourceOutput {
  [key: string]: any;
  promise: string;
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** `apiVersion/kind/namespace/name`, for a later `kratix:resource:wait`. */
  ref: string;
  destinations: string[];
  stateStorePaths: PlacementOutput[];
  schedulingMessage: string;
  scheduled: boolean;
  pagePath?: string;
}

const WORK_PLACEMENT = {
  apiVersion: KRATIX_API_VERSION,
  kind: 'WorkPlacement',
};

function condition(object: KubeObject | undefined, type: string) {
  return (object?.status?.conditions ?? []).find((c: any) => c.type === type);
}

async function placementsOf(
  objects: KratixObjectService,
  kind: RequestKind,
  resource: KubeObject,
  credentials: BackstageCredentials,
): Promise<WorkPlacementObject[]> {
  const list = await objects.list<WorkPlacementObject>(WORK_PLACEMENT, {
    credentials,
    namespace: resource.metadata.namespace,
  });
  return list.items.filter(
    p =>
      p.spec?.promiseName === kind.promise &&
      p.spec?.resourceName === resource.metadata.name &&
      p.metadata.namespace !== KRATIX_SYSTEM_NAMESPACE,
  );
}

/**
 * Scheduled means what a developer waits for: every workload group placed
 * (Kratix's `WorksSucceeded`) and every placement's files written to its
 * state store, so the paths reported are real.
 */
export async function describeResource(
  objects: KratixObjectService,
  kind: RequestKind,
  ref: KratixObjectRef,
  credentials: BackstageCredentials,
): Promise<{ output: ResourceOutput; failure?: string }> {
  const resource = await objects.get(ref, { credentials });
  const placements = await placementsOf(objects, kind, resource, credentials);
  const works = condition(resource, 'WorksSucceeded');
  const written = placements.every(
    p => condition(p, 'WriteSucceeded')?.status === 'True',
  );
  const configure = condition(resource, 'ConfigureWorkflowCompleted');
  const failure =
    configure?.status === 'False' && configure.reason !== 'PipelinesInProgress'
      ? `${configure.reason}: ${configure.message}`
      : undefined;
  return {
    failure,
    output: {
      promise: kind.promise,
      apiVersion: kind.apiVersion,
      kind: kind.kind,
      namespace: resource.metadata.namespace ?? '',
      name: resource.metadata.name,
      ref: resourceRefString(ref),
      destinations: resource.status?.destinations ?? [],
      stateStorePaths: placements
        .map(p => ({
          destination: p.spec!.targetDestinationName,
          files: [...(p.status?.writtenFiles ?? [])].sort(),
        }))
        .sort((a, b) => a.destination.localeCompare(b.destination)),
      schedulingMessage: resource.status?.schedulingMessage ?? '',
      scheduled: works?.status === 'True' && written,
      pagePath: resourcePagePath(
        kind,
        resource.metadata.namespace ?? '',
        resource.metadata.name,
      ),
    },
  };
}

export function resourceRefString(ref: KratixObjectRef) {
  return [ref.apiVersion, ref.kind, ref.namespace, ref.name].join('/');
}

/** Parses `group/version/kind/namespace/name` back. */
export function parseResourceRef(ref: string): KratixObjectRef {
  const parts = ref.split('/');
  if (parts.length !== 5 || parts.some(p => !p)) {
    throw new Error(
      `"${ref}" is not a resource reference: expected group/version/kind/namespace/name, as kratix:resource:request outputs it`,
    );
  }
  const [group, version, kind, namespace, name] = parts;
  return { apiVersion: `${group}/${version}`, kind, namespace, name };
}

/**
 * Waits until the resource is scheduled and written, re-reading it on
 * every change of it or of a WorkPlacement in its namespace (the object
 * service's watch, not a poll). Rejects on timeout with its last
 * scheduling message, which says what it still needs.
 */
export async function waitUntilScheduled(options: {
  objects: KratixObjectService;
  kind: RequestKind;
  ref: KratixObjectRef;
  credentials: BackstageCredentials;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<ResourceOutput> {
  const { objects, kind, ref, credentials, timeoutMs } = options;
  const stop = new AbortController();
  let changed = true;
  let wake = () => {};
  const poke = () => {
    changed = true;
    wake();
  };
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort);
  stop.signal.addEventListener('abort', () => wake());
  const timer = setTimeout(() => stop.abort(), timeoutMs);
  let watchError: unknown;
  const watchers = [
    { apiVersion: ref.apiVersion, kind: ref.kind },
    WORK_PLACEMENT,
  ].map(async k => {
    try {
      for await (const _event of objects.watch(k, {
        credentials,
        namespace: ref.namespace,
        signal: stop.signal,
      })) {
        poke();
      }
    } catch (e) {
      if (!stop.signal.aborted) {
        watchError = e;
        poke();
      }
    }
  });
  const nextChange = () =>
    new Promise<void>(resolve => {
      wake = resolve;
    });
  let last: ResourceOutput | undefined;
  try {
    while (!stop.signal.aborted) {
      if (watchError) throw watchError;
      if (changed) {
        changed = false;
        const { output, failure } = await describeResource(
          objects,
          kind,
          ref,
          credentials,
        );
        last = output;
        if (failure) {
          throw new Error(`${resourceRefString(ref)} failed: ${failure}`);
        }
        if (output.scheduled) return output;
        continue;
      }
      await nextChange();
    }
    if (options.signal?.aborted) throw new Error('Cancelled while waiting');
    throw new Error(
      `${kind.kind} ${ref.namespace}/${
        ref.name
      } was not scheduled within ${Math.round(timeoutMs / 1000)} s: ${
        last?.schedulingMessage || 'no status yet'
      }`,
    );
  } finally {
    clearTimeout(timer);
    stop.abort();
    options.signal?.removeEventListener('abort', onAbort);
    await Promise.allSettled(watchers);
  }
}

/** The object service's errors as a sentence a template user can act on. */
export function describeKratixError(e: unknown, doing: string): Error {
  if (e instanceof KratixObjectError) {
    const permission = (e.details as any)?.permission;
    const causes = (e.details?.causes ?? [])
      .map(c => `${c.field}: ${c.message}`)
      .join('; ');
    return new Error(
      `${doing} failed: ${e.reason} (${e.code}): ${e.message}${
        permission ? ` [permission ${permission}]` : ''
      }${causes && !e.message.includes(causes) ? ` (${causes})` : ''}`,
    );
  }
  return e instanceof Error ? e : new Error(String(e));
}
