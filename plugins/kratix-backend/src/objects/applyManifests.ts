import type { BasicPermission } from '@backstage/plugin-permission-common';
import type { KindInfo, KindRegistry } from '../admission/types';
import {
  writePermissionForApiVersion,
  writePermissionForKind,
} from '../permissions/authorize';
import { parseYamlDocuments } from './yamlDocuments';
import { isPlainObject } from './mergePatch';
import { ObjectOperations } from './ObjectOperations';
import { badRequest } from './errors';
import {
  KratixAppliedItem as AppliedItem,
  KratixApplyResult as ApplyResult,
  KratixObjectError,
} from '@kratix-backstage/plugin-kratix-node';

export interface ApplyOptions {
  kinds: KindRegistry;
  objects: ObjectOperations;
  /** Throws (403) unless all the permissions are granted. */
  authorize(permissions: BasicPermission[]): Promise<void>;
  /** Recorded on the objects the apply creates (a user entity ref). */
  requestedBy?: string;
  /** Throws (403) unless the caller may apply this object of this kind. */
  authorizeObject?(
    kind: KindInfo,
    object: Record<string, unknown>,
  ): Promise<void>;
}

/** One object of the input, with where it came from. */
interface Manifest {
  /** 0-based position of its YAML document in the stream. */
  document: number;
  /** Its position inside a `v1 List` document. */
  item?: number;
  line: number;
  object: Record<string, unknown>;
}

/**
 * `kubectl apply -f` for a multi-document YAML stream. Everything is parsed
 * and checked for shape (and the caller's permissions for the API groups
 * involved) before anything is written; then the objects are applied in
 * order, each resolved only after the previous ones were applied so a kind a
 * Promise defines can be requested right after that Promise. The first
 * failing object stops the apply; the error names it and lists what was
 * applied before it.
 */
export async function applyManifests(
  text: string,
  options: ApplyOptions,
): Promise<ApplyResult> {
  const manifests = readManifests(text);
  if (manifests.length === 0) {
    throw badRequest('no objects passed to apply');
  }
  await options.authorize(
    manifests.map(m =>
      writePermissionForApiVersion(String(m.object.apiVersion)),
    ),
  );

  const items: AppliedItem[] = [];
  for (const manifest of manifests) {
    const { object } = manifest;
    const apiVersion = String(object.apiVersion);
    const kindName = String(object.kind);
    try {
      const kind = options.kinds.byKind(apiVersion, kindName);
      if (!kind) {
        throw badRequest(
          `no matches for kind "${kindName}" in version "${apiVersion}"`,
        );
      }
      await options.authorize([writePermissionForKind(kind)]);
      await options.authorizeObject?.(kind, object);
      const { object: applied, action } = await options.objects.apply(
        kind,
        object,
        options.requestedBy,
      );
      const item: AppliedItem = {
        apiVersion: applied.apiVersion,
        kind: applied.kind,
        name: applied.metadata.name,
        action,
      };
      if (applied.metadata.namespace) {
        item.namespace = applied.metadata.namespace;
      }
      items.push(item);
    } catch (error) {
      throw failedAt(manifest, error, items);
    }
  }
  return { kind: 'List', apiVersion: 'v1', items };
}

function describeManifest(manifest: Manifest): string {
  const { object } = manifest;
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  const where = `document ${manifest.document + 1}${
    manifest.item !== undefined ? ` item ${manifest.item + 1}` : ''
  } (line ${manifest.line})`;
  const what =
    typeof object.kind === 'string' && typeof metadata.name === 'string'
      ? ` ${object.kind} "${metadata.name}"`
      : '';
  return `${where}${what}`;
}

/**
 * The error of one manifest, naming it and what was applied before. It
 * keeps the class of the error it wraps (a `KratixForbiddenError` stays
 * one), so callers of the object service tell the cases apart by class.
 */
function failedAt(
  manifest: Manifest,
  error: unknown,
  applied: AppliedItem[],
): KratixObjectError {
  const base =
    error instanceof KratixObjectError
      ? error
      : new KratixObjectError(
          500,
          'InternalError',
          `Internal error occurred: ${
            error instanceof Error ? error.message : String(error)
          }`,
        );
  const metadata = isPlainObject(manifest.object.metadata)
    ? manifest.object.metadata
    : {};
  const wrapped: KratixObjectError = Object.create(Object.getPrototypeOf(base));
  Object.assign(wrapped, base, {
    message: `error applying ${describeManifest(manifest)}: ${base.message}${
      applied.length > 0
        ? ` (applied before it: ${applied
            .map(i => `${i.kind} "${i.name}" ${i.action}`)
            .join(', ')})`
        : ' (nothing was applied)'
    }`,
    details: {
      ...base.details,
      document: manifest.document,
      ...(manifest.item !== undefined ? { item: manifest.item } : {}),
      line: manifest.line,
      apiVersion: manifest.object.apiVersion,
      objectKind: manifest.object.kind,
      objectName: metadata.name,
      applied,
    },
  });
  // Not enumerable, as in KratixObjectError: the cause is for logs.
  Object.defineProperty(wrapped, 'cause', { value: error, enumerable: false });
  Object.defineProperty(wrapped, 'stack', {
    value: base.stack,
    enumerable: false,
  });
  return wrapped;
}

/** Parses and shape-checks every object of the stream; writes nothing. */
function readManifests(text: string): Manifest[] {
  const manifests: Manifest[] = [];
  for (const doc of parseYamlDocuments(text)) {
    const value = doc.value;
    if (
      isPlainObject(value) &&
      value.apiVersion === 'v1' &&
      value.kind === 'List'
    ) {
      if (!Array.isArray(value.items)) {
        throw shapeError(
          { document: doc.index, line: doc.line, object: value },
          'a List needs items',
        );
      }
      value.items.forEach((item, i) =>
        manifests.push(
          checkShape({ document: doc.index, item: i, line: doc.line }, item),
        ),
      );
    } else {
      manifests.push(
        checkShape({ document: doc.index, line: doc.line }, value),
      );
    }
  }
  return manifests;
}

function checkShape(where: Omit<Manifest, 'object'>, value: unknown): Manifest {
  if (!isPlainObject(value)) {
    throw shapeError(
      { ...where, object: {} },
      `expected an object, got ${
        Array.isArray(value) ? 'an array' : typeof value
      }`,
    );
  }
  const manifest = { ...where, object: value };
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') {
    throw shapeError(manifest, "Object 'apiVersion' is missing");
  }
  if (typeof value.kind !== 'string' || value.kind === '') {
    throw shapeError(manifest, "Object 'Kind' is missing");
  }
  if (!isPlainObject(value.metadata)) {
    throw shapeError(manifest, "Object 'metadata' is missing");
  }
  if (typeof value.metadata.name !== 'string' || value.metadata.name === '') {
    throw shapeError(
      manifest,
      'metadata.name: Required value: name is required',
    );
  }
  return manifest;
}

function shapeError(manifest: Manifest, message: string): KratixObjectError {
  return failedAt(manifest, badRequest(message), []);
}
