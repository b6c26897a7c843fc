/**
 * `platform.kratix.io/v1alpha1` → group `platform.kratix.io`, version
 * `v1alpha1`; the core group's `v1` → group `''`, version `v1`.
 */
export function parseApiVersion(apiVersion: string): {
  group: string;
  version: string;
} {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : {
        group: apiVersion.slice(0, slash),
        version: apiVersion.slice(slash + 1),
      };
}
