import fs from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import {
  BackstageCredentials,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import {
  KratixAlreadyExistsError,
  KratixNotFoundError,
  KratixObjectService,
} from '@kratix-backstage/plugin-kratix-node';

/**
 * Creates the objects of the `kratix.bootstrap` files that do not exist yet.
 * Existing objects are left alone, so what an operator changed through the
 * API (a Destination's labels, say) survives a restart.
 */
export async function bootstrapObjects(options: {
  files: string[];
  objects: KratixObjectService;
  /** The plugin's own: bootstrap is the operator's config, not a user. */
  credentials: BackstageCredentials;
  logger: LoggerService;
}) {
  const { objects, credentials, logger } = options;
  for (const file of options.files) {
    const text = await fs.readFile(path.resolve(file), 'utf8');
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length) {
        throw new Error(`kratix.bootstrap: ${file}: ${doc.errors[0].message}`);
      }
      const object = doc.toJS() as KubeObject | null;
      if (!object) continue;
      const namespace = object.metadata?.namespace;
      const ref = {
        apiVersion: object.apiVersion,
        kind: object.kind,
        name: object.metadata?.name,
        ...(namespace ? { namespace } : {}),
      };
      try {
        try {
          await objects.get(ref, { credentials });
          continue;
        } catch (error) {
          if (!(error instanceof KratixNotFoundError)) throw error;
        }
        await objects.create(object, { credentials });
      } catch (error) {
        // Another replica bootstrapping at the same time got there first.
        if (error instanceof KratixAlreadyExistsError) continue;
        throw new Error(
          `kratix.bootstrap: ${file}: ${object.kind} "${
            object.metadata?.name
          }": ${(error as Error).message}`,
        );
      }
      logger.info(
        `bootstrapped ${object.kind} ${object.metadata.name} from ${file}`,
      );
    }
  }
}
