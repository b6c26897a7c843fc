/*
 * The objects the end-to-end suites apply, built one way so that a suite
 * states only what its test is about.
 */
import path from 'node:path';

/** A condition of an object's status, by type. */
export const condition = (object: any, type: string) =>
  (object?.status?.conditions ?? []).find((c: any) => c.type === type);

/**
 * The bash scripts of a fixtures directory as pipeline images named
 * `<prefix>/<script>:v1`, for `startKratixBackend`'s `extraImages`.
 */
export function fixtureImages(dir: string, prefix: string, scripts: string[]) {
  const image = (script: string) => `${prefix}/${script}:v1`;
  const images = Object.fromEntries(
    scripts.map(s => [image(s), path.join(dir, s)]),
  );
  return { image, images };
}

/** A Pipeline of one container. */
export const pipelineObject = (
  name: string,
  image: string,
  container = 'main',
) => ({
  apiVersion: 'platform.kratix.io/v1alpha1',
  kind: 'Pipeline',
  metadata: { name },
  spec: { containers: [{ name: container, image }] },
});

/** Any spec at all. */
export const ANY_SCHEMA = {
  type: 'object',
  'x-kubernetes-preserve-unknown-fields': true,
};

/**
 * A Promise's API: a namespaced CustomResourceDefinition whose kind is
 * `name` (plural `<name>s`) in `group`, stored as v1alpha1; other versions
 * are served or not, with the same schema.
 */
export function promiseApi(
  name: string,
  group: string,
  openAPIV3Schema: Record<string, unknown> = ANY_SCHEMA,
  extraVersions: { name: string; served: boolean }[] = [],
) {
  const schema = { openAPIV3Schema };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${name}s.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { kind: name, plural: `${name}s`, singular: name },
      versions: [
        { name: 'v1alpha1', served: true, storage: true, schema },
        ...extraVersions.map(v => ({ ...v, storage: false, schema })),
      ],
    },
  };
}
