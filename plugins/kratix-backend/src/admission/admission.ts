import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  DESTINATION_FINALIZER,
  DestinationObject,
  CLEANUP_FINALIZER,
  KubeObject,
  PromiseObject,
  Selector,
  validateLabelKey,
  validateLabelValue,
  validateLabels,
} from '@kratix-backstage/plugin-kratix-common';
import { Admission, KindInfo } from './types';
import type { ObjectStore } from '../store/types';
import { FieldCause, InvalidObjectError } from './errors';
import { destinationSchema, promiseSchema, stateStoreSchema } from './schemas';
import {
  DESTINATION_KIND,
  InMemoryKindRegistry,
  PROMISE_KIND,
  isStateStoreKind,
  promiseApiKind,
  sameKind,
} from './kinds';

const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function nameCauses(object: KubeObject, namespaced: boolean): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = object.metadata?.name;
  if (!name) {
    causes.push({
      field: 'metadata.name',
      message: 'Required value: name is required',
      reason: 'FieldValueRequired',
    });
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      reason: 'FieldValueInvalid',
    });
  }
  if (namespaced && object.metadata?.namespace) {
    const ns = object.metadata.namespace;
    if (ns.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns)) {
      causes.push({
        field: 'metadata.namespace',
        message: `Invalid value: "${ns}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'`,
        reason: 'FieldValueInvalid',
      });
    }
  }
  for (const c of validateLabels(object.metadata?.labels ?? {})) {
    causes.push({ ...c, reason: 'FieldValueInvalid' });
  }
  return causes;
}

/** Label syntax inside selectors; the shape is the schema's business. */
function selectorCauses(
  selectors: Selector[] | undefined,
  field: string,
): FieldCause[] {
  const causes: FieldCause[] = [];
  (selectors ?? []).forEach((s, i) => {
    for (const [k, v] of Object.entries(s.matchLabels)) {
      const problems = [...validateLabelKey(k), ...validateLabelValue(v)];
      if (problems.length) {
        causes.push({
          field: `${field}[${i}].matchLabels.${k}`,
          message: `Invalid value: "${v}": ${problems.join('; ')}`,
          reason: 'FieldValueInvalid',
        });
      }
    }
  });
  return causes;
}

function pipelineNameCauses(promise: PromiseObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const workflows = promise.spec?.workflows ?? {};
  for (const type of ['promise', 'resource'] as const) {
    for (const action of ['configure', 'delete'] as const) {
      const names = new Set<string>();
      (workflows[type]?.[action] ?? []).forEach((p, i) => {
        const field = `spec.workflows.${type}.${action}[${i}].metadata.name`;
        const name = p.metadata.name;
        if (!DNS_SUBDOMAIN.test(name)) {
          causes.push({
            field,
            message: `Invalid value: "${name}": a pipeline name must be a lowercase RFC 1123 subdomain`,
          });
        } else if (names.has(name)) {
          causes.push({ field, message: `Duplicate value: "${name}"` });
        }
        names.add(name);
      });
    }
  }
  return causes;
}

/**
 * Kubernetes' structural-schema vocabulary that JSON Schema does not know;
 * accepted so CRD schemas compile, enforced where it matters.
 */
function createAjv() {
  // verbose: errors carry the offending value, which every message shows.
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    useDefaults: true,
    verbose: true,
  });
  addFormats(ajv);
  for (const keyword of [
    'x-kubernetes-preserve-unknown-fields',
    'x-kubernetes-int-or-string',
    'x-kubernetes-embedded-resource',
    'x-kubernetes-list-type',
    'x-kubernetes-list-map-keys',
    'x-kubernetes-map-type',
    'x-kubernetes-validations',
  ]) {
    ajv.addKeyword({ keyword });
  }
  return ajv;
}

function schemaErrorToCause(error: ErrorObject): FieldCause {
  const segments = error.instancePath
    .split('/')
    .filter(Boolean)
    .map(s => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let field = segments
    .map(s => (/^\d+$/.test(s) ? `[${s}]` : `.${s}`))
    .join('')
    .replace(/^\./, '');
  if (error.keyword === 'required') {
    const missing = (error.params as any).missingProperty;
    field = field ? `${field}.${missing}` : missing;
    return { field, message: 'Required value', reason: 'FieldValueRequired' };
  }
  if (error.keyword === 'type') {
    return {
      field,
      message: `Invalid value: "${
        typeof error.data === 'object'
          ? JSON.stringify(error.data)
          : String(error.data)
      }": ${field} in body must be of type ${(error.params as any).type}`,
      reason: 'FieldValueTypeInvalid',
    };
  }
  if (error.keyword === 'enum') {
    return {
      field,
      message: `Unsupported value: ${JSON.stringify(
        error.data,
      )}: supported values: ${(error.params as any).allowedValues
        .map((v: unknown) => JSON.stringify(v))
        .join(', ')}`,
      reason: 'FieldValueNotSupported',
    };
  }
  return {
    field: field || '<root>',
    message: `Invalid value: ${JSON.stringify(error.data)}: ${
      field || 'object'
    } ${error.message}`,
    reason: 'FieldValueInvalid',
  };
}

/**
 * Validation and defaulting of everything written through the API, so bad
 * input is refused with the failing fields before anything is stored.
 */
export class EngineAdmission implements Admission {
  private readonly ajv = createAjv();
  private readonly promiseShape = this.ajv.compile(promiseSchema);
  private readonly destinationShape = this.ajv.compile(destinationSchema);
  private readonly stateStoreShape = this.ajv.compile(stateStoreSchema);
  private readonly stateStoreShapes = new Map<string, ValidateFunction>();
  private readonly validators = new Map<
    string,
    { key: string; fn: ValidateFunction }
  >();

  /** `store` lets admission refuse what clashes with stored objects. */
  constructor(
    private readonly kinds: InMemoryKindRegistry,
    private readonly store?: ObjectStore,
  ) {}

  async admit(
    object: KubeObject,
    previous: KubeObject | undefined,
    kind: KindInfo,
  ) {
    const copy: KubeObject = JSON.parse(JSON.stringify(object));
    copy.metadata = copy.metadata ?? ({} as any);
    if (!kind.namespaced) {
      delete copy.metadata.namespace;
    }
    const causes = nameCauses(copy, kind.namespaced);
    const structure = this.structuralValidator(kind);
    if (structure && !structure(copy)) {
      // Semantic checks assume the shape; report the shape alone first.
      // An `if` error only says its then/else failed, which is reported too.
      causes.push(
        ...(structure.errors ?? [])
          .filter(e => e.keyword !== 'if')
          .map(schemaErrorToCause),
      );
    } else if (sameKind(kind, PROMISE_KIND)) {
      causes.push(...this.promiseCauses(copy as PromiseObject, previous));
    } else if (sameKind(kind, DESTINATION_KIND)) {
      causes.push(
        ...this.destinationCauses(copy as DestinationObject, previous),
      );
      if (
        causes.length === 0 &&
        !samePlace(copy as DestinationObject, previous as DestinationObject)
      ) {
        causes.push(...(await this.pathClashCauses(copy as DestinationObject)));
      }
    } else if (isStateStoreKind(kind)) {
      causes.push(...stateStoreCauses(copy));
    } else if (kind.promiseName) {
      causes.push(...this.resourceCauses(copy, kind));
    }
    if (causes.length) {
      throw new InvalidObjectError(
        kind.kind,
        copy.metadata?.name ?? '',
        causes,
      );
    }
    if (sameKind(kind, PROMISE_KIND) || kind.promiseName) {
      // What the client sent, as in Kubernetes: `finalizers: null` in a
      // merge patch removes them (apply keeps what it did not set).
      const finalizers = new Set(copy.metadata.finalizers ?? []);
      if (!previous?.metadata.deletionTimestamp)
        finalizers.add(CLEANUP_FINALIZER);
      copy.metadata.finalizers = [...finalizers];
    } else if (sameKind(kind, DESTINATION_KIND)) {
      // As Kratix: only `cleanup: all` has anything to do before the
      // Destination goes; with `none` its placements and files stay.
      const finalizers = new Set(copy.metadata.finalizers ?? []);
      finalizers.delete(CLEANUP_FINALIZER);
      const cleanupAll = (copy as DestinationObject).spec?.cleanup === 'all';
      if (previous?.metadata.deletionTimestamp) {
        // Deleting: a finalizer may be removed, never added.
      } else if (cleanupAll) finalizers.add(DESTINATION_FINALIZER);
      else finalizers.delete(DESTINATION_FINALIZER);
      copy.metadata.finalizers = [...finalizers];
    }
    return copy;
  }

  /**
   * Kratix's webhook: one state store path belongs to one Destination. It
   * reads every Destination, so it runs only when the place changes (not on
   * a label change, at 10,000 Destinations a read of all 10,000).
   */
  private async pathClashCauses(
    destination: DestinationObject,
  ): Promise<FieldCause[]> {
    const ref = destination.spec?.stateStoreRef;
    if (!this.store || !ref) return [];
    const others = (await this.store.list(
      DESTINATION_KIND,
    )) as DestinationObject[];
    const clash = others.find(
      d =>
        d.metadata.name !== destination.metadata.name &&
        d.spec?.stateStoreRef?.kind === ref.kind &&
        d.spec?.stateStoreRef?.name === ref.name &&
        (d.spec?.path ?? d.metadata.name) === destination.spec!.path,
    );
    if (!clash) return [];
    return [
      {
        field: 'spec.path',
        message: `Invalid value: "${
          destination.spec!.path
        }": destination path '${
          destination.spec!.path
        }' already exists for state store '${ref.name}'`,
        reason: 'FieldValueDuplicate',
      },
    ];
  }

  private structuralValidator(kind: KindInfo): ValidateFunction | undefined {
    if (sameKind(kind, PROMISE_KIND)) return this.promiseShape;
    if (sameKind(kind, DESTINATION_KIND)) return this.destinationShape;
    if (isStateStoreKind(kind)) return this.stateStoreValidator(kind);
    return undefined;
  }

  /** A state store kind's own schema (from its factory), or the common one. */
  private stateStoreValidator(kind: KindInfo): ValidateFunction {
    const schema = this.kinds.stateStoreSchema(kind.kind);
    if (!schema) return this.stateStoreShape;
    const cached = this.stateStoreShapes.get(kind.kind);
    if (cached) return cached;
    const fn = this.ajv.compile(schema);
    this.stateStoreShapes.set(kind.kind, fn);
    return fn;
  }

  private promiseCauses(promise: PromiseObject, previous?: KubeObject) {
    const causes = [
      ...selectorCauses(
        promise.spec?.destinationSelectors,
        'spec.destinationSelectors',
      ),
      ...pipelineNameCauses(promise),
    ];
    const info = promiseApiKind(promise);
    if (!info) return causes;
    const prevKind = previous
      ? promiseApiKind(previous as PromiseObject)
      : undefined;
    if (
      prevKind &&
      (prevKind.group !== info.group || prevKind.kind !== info.kind)
    ) {
      causes.push({
        field: 'spec.api',
        message: `Invalid value: the API kind of a Promise is immutable (was ${prevKind.kind}.${prevKind.group})`,
      });
    }
    const other = this.kinds.byGroupKind(info.group, info.kind);
    if (other && other.promiseName !== promise.metadata.name) {
      causes.push({
        field: 'spec.api.spec.names.kind',
        message: `Invalid value: "${info.kind}": kind ${info.kind}.${info.group} is already defined by Promise "${other.promiseName}"`,
      });
    }
    promise.spec!.api!.spec.versions.forEach((v, i) => {
      const schema = v.schema?.openAPIV3Schema;
      if (!schema) return;
      try {
        this.ajv.compile(schema);
      } catch (e) {
        causes.push({
          field: `spec.api.spec.versions[${i}].schema.openAPIV3Schema`,
          message: `Invalid value: not a valid schema: ${(e as Error).message}`,
        });
      }
    });
    return causes;
  }

  private destinationCauses(
    destination: DestinationObject,
    previous?: KubeObject,
  ) {
    const causes: FieldCause[] = [];
    const spec = (destination.spec = destination.spec ?? {});
    spec.path = spec.path ?? destination.metadata.name;
    spec.filepath = { mode: 'nestedByMetadata', ...(spec.filepath ?? {}) };
    if (spec.filepath.mode === 'aggregatedYAML') {
      spec.filepath.filename = spec.filepath.filename ?? 'aggregated.yaml';
    }
    spec.cleanup = spec.cleanup ?? 'none';
    spec.initWorkloads = { enabled: true, ...(spec.initWorkloads ?? {}) };
    const before = (previous as DestinationObject | undefined)?.spec?.filepath;
    if (
      before &&
      (before.mode !== spec.filepath.mode ||
        before.filename !== spec.filepath.filename)
    ) {
      causes.push({
        field: 'spec.filepath',
        message: 'Invalid value: spec.filepath is immutable',
      });
    }
    if (spec.path.startsWith('/') || spec.path.split('/').includes('..')) {
      causes.push({
        field: 'spec.path',
        message: `Invalid value: "${spec.path}": must be a relative path inside the state store`,
      });
    }
    const ref = spec.stateStoreRef;
    if (!ref) {
      causes.push({
        field: 'spec.stateStoreRef',
        message: 'Required value: stateStoreRef {kind, name} is required',
        reason: 'FieldValueRequired',
      });
    } else if (
      !this.kinds.list().some(k => isStateStoreKind(k) && k.kind === ref.kind)
    ) {
      causes.push({
        field: 'spec.stateStoreRef.kind',
        message: `Unsupported value: "${
          ref.kind
        }": supported values: ${this.kinds
          .list()
          .filter(isStateStoreKind)
          .map(k => `"${k.kind}"`)
          .join(', ')}`,
        reason: 'FieldValueNotSupported',
      });
    }
    return causes;
  }

  private resourceCauses(object: KubeObject, kind: KindInfo): FieldCause[] {
    const validate = this.validatorFor(kind);
    if (!validate) return [];
    // Validate what the schema describes; metadata is Kubernetes' own.
    const { metadata, ...rest } = object;
    const subject = JSON.parse(JSON.stringify(rest));
    if (validate(subject)) {
      // Defaults from the schema become part of the stored object, as in Kubernetes.
      Object.assign(object, subject, { metadata });
      return [];
    }
    return (validate.errors ?? []).map(schemaErrorToCause);
  }

  private validatorFor(kind: KindInfo): ValidateFunction | undefined {
    const promise = this.kinds.promiseObject(kind.promiseName!);
    const version = promise?.spec?.api?.spec.versions.find(
      v => v.name === kind.version,
    );
    const schema = version?.schema?.openAPIV3Schema;
    if (!schema) return undefined;
    const key = JSON.stringify(schema);
    const cacheKey = `${kind.promiseName}/${kind.version}`;
    const cached = this.validators.get(cacheKey);
    if (cached?.key === key) return cached.fn;
    const fn = this.ajv.compile(schema);
    this.validators.set(cacheKey, { key, fn });
    return fn;
  }
}

function stateStoreCauses(object: KubeObject): FieldCause[] {
  const path = object.spec?.path;
  if (path === undefined) {
    object.spec = { ...(object.spec ?? {}), path: '.' };
    return [];
  }
  if (path.startsWith('/') || path.split('/').includes('..')) {
    return [
      {
        field: 'spec.path',
        message: `Invalid value: "${path}": must be a relative path that stays inside the state store root`,
      },
    ];
  }
  return [];
}

/** Whether an update keeps a Destination's state store and path. */
function samePlace(next: DestinationObject, previous?: DestinationObject) {
  if (!previous) return false;
  const ref = (d: DestinationObject) => d.spec?.stateStoreRef;
  // The path defaults to the name (an object stored without it has it too).
  const path = (d: DestinationObject) => d.spec?.path ?? d.metadata.name;
  return (
    ref(next)?.kind === ref(previous)?.kind &&
    ref(next)?.name === ref(previous)?.name &&
    path(next) === path(previous)
  );
}
