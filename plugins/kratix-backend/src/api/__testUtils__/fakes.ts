/*
 * A small fake admission honouring the interface's documented semantics, so
 * the router is tested without the engine's schemas.
 */
import { InvalidObjectError } from '../../admission/errors';
import type { Admission, KindInfo } from '../../admission/types';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';

export class FakeAdmission implements Admission {
  readonly calls: { name: string; previous: boolean }[] = [];

  async admit(
    object: KubeObject,
    previous: KubeObject | undefined,
    kind: KindInfo,
  ) {
    this.calls.push({ name: object.metadata.name, previous: !!previous });
    const causes = [];
    for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
      if (typeof value !== 'string') {
        causes.push({
          field: `metadata.labels.${key}`,
          message: 'Invalid value: must be a string',
          reason: 'FieldValueInvalid',
        });
      }
    }
    if (
      kind.promiseName &&
      object.spec?.enableDataCollection !== undefined &&
      typeof object.spec.enableDataCollection !== 'boolean'
    ) {
      causes.push({
        field: 'spec.enableDataCollection',
        message: `Invalid value: "${object.spec.enableDataCollection}": must be a boolean`,
        reason: 'FieldValueTypeInvalid',
      });
    }
    if (causes.length) {
      throw new InvalidObjectError(kind.kind, object.metadata.name, causes);
    }
    if (kind.kind === 'Destination') {
      return {
        ...object,
        spec: { path: object.metadata.name, ...object.spec },
      };
    }
    return object;
  }
}
