import { useRouteRef } from '@backstage/core-plugin-api';
import { rootRouteRef } from '../../routes';

const enc = encodeURIComponent;

/** Links between the plugin's pages, below wherever the app mounted it. */
export function useKratixLinks() {
  const root = useRouteRef(rootRouteRef)();
  const base = root.replace(/\/$/, '');
  return {
    root: base || '/',
    promises: () => `${base}/promises`,
    promise: (name: string) => `${base}/promises/${enc(name)}`,
    request: (name: string) => `${base}/promises/${enc(name)}/request`,
    destinations: () => `${base}/destinations`,
    resource: (r: {
      group: string;
      version: string;
      plural: string;
      namespace: string;
      name: string;
    }) =>
      `${base}/resources/${enc(r.group)}/${enc(r.version)}/${enc(
        r.plural,
      )}/${enc(r.namespace)}/${enc(r.name)}`,
  };
}

export type KratixLinks = ReturnType<typeof useKratixLinks>;
