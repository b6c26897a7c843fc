import {
  KRATIX_API_VERSION,
  PromiseObject,
} from '@kratix-backstage/plugin-kratix-common';

const enc = encodeURIComponent;
const platform = `/apis/${KRATIX_API_VERSION}`;

/** API paths of the built-in kinds, relative to the plugin's base URL. */
export const kratixPaths = {
  promises: () => `${platform}/promises`,
  promise: (name: string) => `${platform}/promises/${enc(name)}`,
  destinations: () => `${platform}/destinations`,
  destination: (name: string) => `${platform}/destinations/${enc(name)}`,
  stateStores: () => `${platform}/filesystemstatestores`,
  works: (namespace?: string) =>
    namespace
      ? `${platform}/namespaces/${enc(namespace)}/works`
      : `${platform}/works`,
  work: (namespace: string, name: string) =>
    `${platform}/namespaces/${enc(namespace)}/works/${enc(name)}`,
  workPlacements: (namespace?: string) =>
    namespace
      ? `${platform}/namespaces/${enc(namespace)}/workplacements`
      : `${platform}/workplacements`,
  events: (namespace?: string) =>
    namespace ? `/api/v1/namespaces/${enc(namespace)}/events` : `/api/v1/events`,
  pods: (namespace: string) => `/api/v1/namespaces/${enc(namespace)}/pods`,
  podLog: (namespace: string, name: string, container: string) =>
    `/api/v1/namespaces/${enc(namespace)}/pods/${enc(name)}/log?container=${enc(
      container,
    )}`,
};

/** A Promise-defined kind, as the API addresses it. */
export interface ResourceKind {
  group: string;
  version: string;
  plural: string;
  kind: string;
}

/** The kind a Promise offers, at its served (storage first) version. */
export function resourceKindOf(promise: PromiseObject): ResourceKind | undefined {
  const api = promise.spec?.api?.spec;
  if (!api?.group || !api.names?.plural) return undefined;
  const served = (api.versions ?? []).filter(v => v.served !== false);
  const version = served.find(v => v.storage) ?? served[0];
  if (!version) return undefined;
  return {
    group: api.group,
    version: version.name,
    plural: api.names.plural,
    kind: api.names.kind,
  };
}

type KindPath = Pick<ResourceKind, 'group' | 'version' | 'plural'>;

export function resourcesPath(kind: KindPath, namespace?: string): string {
  const base = `/apis/${enc(kind.group)}/${enc(kind.version)}`;
  return namespace
    ? `${base}/namespaces/${enc(namespace)}/${enc(kind.plural)}`
    : `${base}/${enc(kind.plural)}`;
}

export function resourcePath(
  kind: KindPath,
  namespace: string,
  name: string,
): string {
  return `${resourcesPath(kind, namespace)}/${enc(name)}`;
}
