import {
  ANNOTATION_LOCATION,
  ANNOTATION_ORIGIN_LOCATION,
  Entity,
  KubernetesValidatorFunctions,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  DestinationObject,
  KRATIX_ANNOTATIONS,
  KubeObject,
  PromiseObject,
  WorkPlacementObject,
  parseApiVersion,
} from '@kratix-backstage/plugin-kratix-common';
import { REQUESTED_BY_ANNOTATION } from '@kratix-backstage/plugin-kratix-node';
import { parseAllDocuments } from 'yaml';

/** A resource request, with the promise whose kind it is. */
export interface RequestObject {
  promiseName: string;
  object: KubeObject;
}

/** Everything the entities are made of: the engine's objects, current. */
export interface KratixModel {
  destinations: DestinationObject[];
  promises: PromiseObject[];
  requests: RequestObject[];
  placements: WorkPlacementObject[];
}

export interface EntityOptions {
  /** Owner of Promises and Destinations, and of requests with no known requester. */
  owner: string;
  /** Destinations with these labels carry catalog entities in their workloads. */
  backstageSelector: Record<string, string>;
}

export const DEFAULT_ENTITY_OPTIONS: EntityOptions = {
  owner: 'group:default/platform-team',
  backstageSelector: { environment: 'backstage' },
};

const NAMESPACE = 'default';
/** The location of every entity of the provider (`type:target`). */
export const KRATIX_LOCATION = 'kratix:platform.kratix.io';

/** An entity name from arbitrary parts, within Backstage's 63 characters. */
function entityName(...parts: string[]): string {
  const name = parts
    .join('-')
    .replace(/[^A-Za-z0-9\-_.]/g, '-')
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return name.length <= 63 ? name : name.slice(0, 63).replace(/[-_.]+$/, '');
}

/**
 * The Kratix labels Backstage accepts as entity labels (both are
 * Kubernetes label syntax, so in practice all); the rest stay in the
 * verbatim annotation only.
 */
function catalogLabels(labels: Record<string, string> | undefined) {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (
      KubernetesValidatorFunctions.isValidLabelKey(key) &&
      KubernetesValidatorFunctions.isValidLabelValue(value)
    ) {
      result[key] = value;
    }
  }
  return result;
}

function sortedJson(map: Record<string, string> | undefined): string {
  return JSON.stringify(
    Object.fromEntries(
      Object.entries(map ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  );
}

export function destinationEntity(
  destination: DestinationObject,
  options: EntityOptions,
): Entity {
  const { name, labels } = destination.metadata;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Resource',
    metadata: {
      name: entityName(name),
      namespace: NAMESPACE,
      title: name,
      description: `Kratix Destination ${name}`,
      labels: catalogLabels(labels),
      annotations: {
        [KRATIX_ANNOTATIONS.type]: 'destination',
        [KRATIX_ANNOTATIONS.name]: name,
        [KRATIX_ANNOTATIONS.labels]: sortedJson(labels),
      },
      tags: ['kratix', 'destination'],
    },
    spec: { type: 'kratix-destination', owner: options.owner },
  };
}

/** The served version's schema of a Promise's API, if it has one. */
function promiseSchema(promise: PromiseObject) {
  const api = promise.spec?.api?.spec;
  const version =
    api?.versions?.find(v => v.storage) ?? api?.versions?.[0] ?? undefined;
  return { api, version };
}

export function promiseEntities(
  promise: PromiseObject,
  options: EntityOptions,
): Entity[] {
  const name = promise.metadata.name;
  const { api, version } = promiseSchema(promise);
  const annotations = {
    [KRATIX_ANNOTATIONS.type]: 'promise',
    [KRATIX_ANNOTATIONS.promiseName]: name,
    [KRATIX_ANNOTATIONS.name]: name,
    ...(api?.group ? { [KRATIX_ANNOTATIONS.apiGroup]: api.group } : {}),
    ...(api?.names?.kind ? { [KRATIX_ANNOTATIONS.kind]: api.names.kind } : {}),
  };
  const component: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: entityName(name),
      namespace: NAMESPACE,
      title: name,
      description: `Kratix Promise ${name}`,
      labels: catalogLabels(promise.metadata.labels),
      annotations,
      tags: ['kratix', 'promise'],
    },
    spec: {
      type: 'kratix-promise',
      lifecycle: 'production',
      owner: options.owner,
      ...(api
        ? { providesApis: [`api:${NAMESPACE}/${entityName(name)}`] }
        : {}),
    },
  };
  if (!api) return [component];
  const apiVersion = `${api.group}/${version?.name ?? 'v1'}`;
  const definition = {
    openapi: '3.0.0',
    info: {
      title: `${api.names.kind} (${apiVersion})`,
      version: version?.name ?? 'v1',
      description: `Request ${name} with a ${api.names.kind} object.`,
    },
    paths: {},
    components: {
      schemas: {
        [api.names.kind]: version?.schema?.openAPIV3Schema ?? {},
      },
    },
  };
  const apiEntity: Entity = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'API',
    metadata: {
      name: entityName(name),
      namespace: NAMESPACE,
      title: `${api.names.kind} API`,
      description: `The API of the Kratix Promise ${name}: ${apiVersion} ${api.names.kind}`,
      annotations,
      tags: ['kratix', 'promise-api'],
    },
    spec: {
      type: 'openapi',
      lifecycle: 'production',
      owner: options.owner,
      definition: JSON.stringify(definition, null, 2),
    },
  };
  return [component, apiEntity];
}

/** Where each request's workloads are placed: `promise/namespace/name` → destinations. */
export function placementsByRequest(
  placements: WorkPlacementObject[],
): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  for (const p of placements) {
    if (!p.spec?.resourceName) continue;
    if (p.metadata.labels?.['kratix.io/misplaced'] === 'true') continue;
    if (p.metadata.deletionTimestamp) continue;
    const key = `${p.spec.promiseName}/${p.metadata.namespace}/${p.spec.resourceName}`;
    if (!sets.has(key)) sets.set(key, new Set());
    sets.get(key)!.add(p.spec.targetDestinationName);
  }
  return new Map([...sets].map(([k, v]) => [k, [...v].sort()]));
}

function requestKey(request: RequestObject) {
  const { name, namespace } = request.object.metadata;
  return `${request.promiseName}/${namespace}/${name}`;
}

export function requestEntity(
  request: RequestObject,
  destinations: string[],
  options: EntityOptions,
): Entity {
  const { object, promiseName } = request;
  const { name, namespace = NAMESPACE } = object.metadata;
  const { group } = parseApiVersion(object.apiVersion);
  const owner =
    object.metadata.annotations?.[REQUESTED_BY_ANNOTATION] ?? options.owner;
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: entityName(promiseName, namespace, name),
      namespace: NAMESPACE,
      title: `${name} (${promiseName})`,
      description: `${object.kind} ${namespace}/${name}, requested from the Kratix Promise ${promiseName}`,
      labels: catalogLabels(object.metadata.labels),
      annotations: {
        [KRATIX_ANNOTATIONS.type]: 'resource',
        [KRATIX_ANNOTATIONS.promiseName]: promiseName,
        [KRATIX_ANNOTATIONS.apiGroup]: group,
        [KRATIX_ANNOTATIONS.kind]: object.kind,
        [KRATIX_ANNOTATIONS.name]: name,
        [KRATIX_ANNOTATIONS.namespace]: namespace,
      },
      tags: ['kratix', 'resource'],
    },
    spec: {
      type: 'kratix-resource',
      lifecycle: 'production',
      owner,
      dependsOn: [
        `component:${NAMESPACE}/${entityName(promiseName)}`,
        ...destinations.map(d => `resource:${NAMESPACE}/${entityName(d)}`),
      ],
    },
  };
}

function matches(
  labels: Record<string, string> | undefined,
  selector: Record<string, string>,
) {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/**
 * Kratix's Backstage pattern: Promise workflows write catalog entities
 * that are scheduled to a Destination labelled `environment: backstage`;
 * they are read from the placements' workloads, which is what the state
 * store holds. Documents that are not entities are skipped.
 */
export function workloadEntities(
  model: KratixModel,
  options: EntityOptions,
): Entity[] {
  const backstage = new Set(
    model.destinations
      .filter(d => matches(d.metadata.labels, options.backstageSelector))
      .map(d => d.metadata.name),
  );
  const entities: Entity[] = [];
  for (const p of model.placements) {
    if (!backstage.has(p.spec?.targetDestinationName ?? '')) continue;
    if (p.metadata.deletionTimestamp) continue;
    for (const workload of p.spec?.workloads ?? []) {
      for (const doc of parseAllDocuments(workload.content)) {
        if (doc.errors.length) continue;
        const value = doc.toJS();
        if (isEntity(value)) entities.push(value);
      }
    }
  }
  return entities;
}

function isEntity(value: unknown): value is Entity {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, any>;
  return (
    typeof v.apiVersion === 'string' &&
    v.apiVersion.startsWith('backstage.io/') &&
    typeof v.kind === 'string' &&
    typeof v.metadata?.name === 'string'
  );
}

/** Every entity of the model, keyed by entity ref (first one wins). */
export function entitiesOf(
  model: KratixModel,
  options: EntityOptions,
): Map<string, Entity> {
  const result = new Map<string, Entity>();
  const add = (entity: Entity) => {
    const ref = stringifyEntityRef(entity);
    if (result.has(ref)) return;
    // The catalog processes only entities that say where they come from.
    entity.metadata.annotations = {
      ...entity.metadata.annotations,
      [ANNOTATION_LOCATION]: KRATIX_LOCATION,
      [ANNOTATION_ORIGIN_LOCATION]: KRATIX_LOCATION,
    };
    result.set(ref, entity);
  };
  model.destinations.forEach(d => add(destinationEntity(d, options)));
  model.promises.forEach(p => promiseEntities(p, options).forEach(add));
  const placed = placementsByRequest(model.placements);
  model.requests.forEach(r =>
    add(requestEntity(r, placed.get(requestKey(r)) ?? [], options)),
  );
  workloadEntities(model, options).forEach(add);
  return result;
}
