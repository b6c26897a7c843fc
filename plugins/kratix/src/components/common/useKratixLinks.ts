import { useRouteRef } from '@backstage/core-plugin-api';
import { rootRouteRef } from '../../routes';

const enc = encodeURIComponent;
const DEFAULT_ROOT = '/kratix';

/** Links between the plugin's pages, below wherever the app mounted it. */
export function useKratixLinks() {
  let root: string;
  try {
    // Called on every render: the try only catches its "no path" error.
    // eslint-disable-next-line react-hooks/rules-of-hooks
    root = useRouteRef(rootRouteRef)();
  } catch {
    // Entity tabs can render in an app that did not mount the page under a
    // known route; the page's default path is the best guess.
    root = DEFAULT_ROOT;
  }
  const base = root.replace(/\/$/, '');
  return {
    root: base || '/',
    promises: () => `${base}/promises`,
    promise: (name: string) => `${base}/promises/${enc(name)}`,
    request: (name: string) => `${base}/promises/${enc(name)}/request`,
    destinations: () => `${base}/destinations`,
    destination: (name: string) => `${base}/destinations/${enc(name)}`,
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
