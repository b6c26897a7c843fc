import { KubeObject } from '@kratix-backstage/plugin-kratix-common';

/** A kind the API serves: a built-in Kratix kind or one a Promise defines. */
export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Written only by the engine (Works, WorkPlacements). */
  readOnly?: boolean;
  /** Set for kinds defined by a Promise's `spec.api`. */
  promiseName?: string;
}

export interface KindRegistry {
  byPlural(
    group: string,
    version: string,
    plural: string,
  ): KindInfo | undefined;
  byKind(apiVersion: string, kind: string): KindInfo | undefined;
  list(): KindInfo[];
}

/**
 * Validates and defaults an object about to be written through the API.
 * Throws InvalidObjectError (422) with the failing fields.
 */
export interface Admission {
  admit(
    object: KubeObject,
    previous: KubeObject | undefined,
    kind: KindInfo,
  ): Promise<KubeObject>;
}
