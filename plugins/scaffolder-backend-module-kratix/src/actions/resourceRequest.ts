import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  KratixAlreadyExistsError,
  KratixObjectService,
} from '@kratix-backstage/plugin-kratix-node';
import { stringify } from 'yaml';
import { commitFile, GitopsRepository } from '../gitops/gitCommit';
import {
  describeKratixError,
  describeResource,
  RequestKind,
  requestKindOf,
  resourcePagePath,
  resourceRefString,
  ResourceOutput,
  waitUntilScheduled,
} from './resources';
import { resourceOutputSchema } from './schemas';

/** Which task created a request: a recovered task finds its own request again. */
export const TASK_ANNOTATION = 'scaffolder.backstage.io/task-id';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function createResourceRequestAction(options: {
  objects: KratixObjectService;
  gitopsRepositories: Map<string, GitopsRepository>;
}) {
  const { objects, gitopsRepositories } = options;
  return createTemplateAction({
    id: 'kratix:resource:request',
    description:
      "Requests a resource of a Kratix Promise: creates it with the initiator's permissions (mode direct) or commits its manifest to a Git repository (mode gitops); optionally waits until it is scheduled.",
    supportsDryRun: true,
    examples: [
      {
        description:
          'Request an elastic-cloud with data collection and wait until it is scheduled',
        example: stringify({
          steps: [
            {
              id: 'request',
              action: 'kratix:resource:request',
              name: 'Request elastic-cloud',
              input: {
                promise: 'elastic-cloud',
                namespace: 'default',
                name: 'example',
                spec: { enableDataCollection: true },
                waitForScheduling: true,
                timeoutSeconds: 300,
              },
            },
          ],
        }),
      },
      {
        description:
          'Commit the request to the configured Git repository "platform"',
        example: stringify({
          steps: [
            {
              id: 'request',
              action: 'kratix:resource:request',
              name: 'Request elastic-cloud through GitOps',
              input: {
                promise: 'elastic-cloud',
                namespace: 'default',
                name: 'example',
                spec: { enableDataCollection: true },
                mode: 'gitops',
                gitops: { repository: 'platform' },
              },
            },
          ],
        }),
      },
    ],
    schema: {
      input: {
        promise: z =>
          z.string().min(1).describe('Name of the Promise to request from'),
        namespace: z =>
          z
            .string()
            .regex(
              DNS_LABEL,
              'must be a DNS label (lower-case letters, digits, "-")',
            )
            .default('default')
            .describe('Namespace of the resource request'),
        name: z =>
          z
            .string()
            .max(253)
            .regex(
              DNS_SUBDOMAIN,
              'must be a DNS subdomain (lower-case letters, digits, "-", ".")',
            )
            .describe('Name of the resource request'),
        spec: z =>
          z
            .record(z.unknown())
            .default({})
            .describe(
              "The request's spec, as the Promise's API defines it (e.g. enableDataCollection)",
            ),
        labels: z =>
          z
            .record(z.string())
            .optional()
            .describe('Labels of the resource request'),
        mode: z =>
          z
            .enum(['direct', 'gitops'])
            .default('direct')
            .describe(
              'direct: create it now through Kratix; gitops: commit its manifest to a repository',
            ),
        gitops: z =>
          z
            .object({
              repository: z
                .string()
                .describe(
                  'Name of a repository in kratix.scaffolder.gitopsRepositories',
                ),
              file: z
                .string()
                .optional()
                .describe(
                  'Path of the manifest in the repository (default <path>/<namespace>/<kind>/<name>.yaml)',
                ),
            })
            .optional()
            .describe('Where mode gitops commits the manifest'),
        waitForScheduling: z =>
          z
            .boolean()
            .default(false)
            .describe(
              'Wait until the resource is scheduled and its files written',
            ),
        timeoutSeconds: z =>
          z
            .number()
            .int()
            .positive()
            .max(86_400)
            .default(300)
            .describe('How long to wait'),
      },
      output: {
        ...resourceOutputSchema,
        commit: z =>
          z
            .string()
            .optional()
            .describe('mode gitops: the commit holding the manifest'),
        manifestPath: z =>
          z
            .string()
            .optional()
            .describe('mode gitops: the manifest in the repository'),
      },
    },
    async handler(ctx) {
      // Defaults of the schema are documentation: the scaffolder validates input, it does not fill it in.
      const given = ctx.input;
      const input = {
        ...given,
        namespace: given.namespace ?? 'default',
        spec: given.spec ?? {},
        mode: given.mode ?? 'direct',
        waitForScheduling: given.waitForScheduling ?? false,
        timeoutSeconds: given.timeoutSeconds ?? 300,
      };
      const credentials = await ctx.getInitiatorCredentials();
      const kind = await requestKindOf(
        objects,
        input.promise,
        credentials,
      ).catch(e => {
        throw describeKratixError(e, `Reading Promise "${input.promise}"`);
      });
      const ref = {
        apiVersion: kind.apiVersion,
        kind: kind.kind,
        namespace: input.namespace,
        name: input.name,
      };
      const manifest = {
        apiVersion: kind.apiVersion,
        kind: kind.kind,
        metadata: {
          name: input.name,
          namespace: input.namespace,
          ...(input.labels ? { labels: input.labels } : {}),
        },
        spec: input.spec as Record<string, unknown>,
      };
      const emit = (output: Partial<ResourceOutput>) => {
        for (const [key, value] of Object.entries(output)) {
          if (value !== undefined) ctx.output(key as any, value);
        }
      };
      const requested = `${kind.kind} ${input.namespace}/${input.name}`;

      if (input.mode === 'gitops') {
        const repo = gitopsRepositories.get(input.gitops?.repository ?? '');
        if (!repo) {
          const known = [...gitopsRepositories.keys()];
          throw new Error(
            `mode gitops needs gitops.repository naming one of kratix.scaffolder.gitopsRepositories (${
              known.length ? known.join(', ') : 'none configured'
            }), not "${input.gitops?.repository ?? ''}"`,
          );
        }
        const file = manifestFile(repo, input.gitops?.file, ref);
        const yaml = stringify(manifest);
        const describeGitError = (e: unknown) =>
          new Error(
            `Committing ${requested} to repository ${repo.name} failed: ${
              e instanceof Error ? e.message : e
            }`,
          );
        ctx.logger.info(
          `${ctx.isDryRun ? 'Would commit' : 'Committing'} ${requested} to ${
            repo.name
          } (${repo.branch}) as ${file}`,
        );
        emit({ ...pending(kind, ref), manifestPath: file });
        if (ctx.isDryRun) return;
        const commit = await ctx.checkpoint<string>({
          key: `kratix-gitops-${repo.name}-${file}`,
          fn: async () => {
            const workDir = await ctx.createTemporaryDirectory();
            const r = await commitFile({
              repo,
              overwrite: false,
              workDir: path.join(workDir, 'repo'),
              file,
              content: yaml,
              message: `Request ${requested} (${kind.promise})${
                ctx.user?.ref ? ` for ${ctx.user.ref}` : ''
              }`,
            })
              .catch(e => {
                throw describeGitError(e);
              })
              .finally(() => fs.rm(workDir, { recursive: true, force: true }));
            ctx.logger.info(
              r.changed
                ? `Committed ${file} as ${r.commit}`
                : `${file} was already committed as it is (${r.commit})`,
            );
            return r.commit;
          },
        });
        ctx.output('commit', commit);
        if (input.waitForScheduling) {
          // Whatever applies the repository (Flux, Argo CD) creates it; wait for that.
          emit(await waitFor());
        }
        return;
      }

      if (ctx.isDryRun) {
        ctx.logger.info(`Would request ${requested} from ${kind.promise}`);
        emit(pending(kind, ref));
        return;
      }
      await ctx.checkpoint({
        key: `kratix-request-${resourceRefString(ref)}`,
        fn: async () => {
          try {
            await objects.create(
              {
                ...manifest,
                metadata: {
                  ...manifest.metadata,
                  annotations: { [TASK_ANNOTATION]: ctx.task.id },
                },
              },
              { credentials },
            );
            ctx.logger.info(`Requested ${requested} from ${kind.promise}`);
          } catch (e) {
            // Created by this very task before it was interrupted: not a second request.
            if (e instanceof KratixAlreadyExistsError) {
              const existing = await objects.get(ref, { credentials });
              if (
                existing.metadata.annotations?.[TASK_ANNOTATION] === ctx.task.id
              )
                return;
            }
            throw describeKratixError(e, `Requesting ${requested}`);
          }
        },
      });
      if (input.waitForScheduling) {
        emit(await waitFor());
      } else {
        emit((await describeResource(objects, kind, ref, credentials)).output);
      }

      function waitFor() {
        ctx.logger.info(
          `Waiting up to ${input.timeoutSeconds} s for ${requested} to be scheduled`,
        );
        return waitUntilScheduled({
          objects,
          kind,
          ref,
          credentials,
          timeoutMs: input.timeoutSeconds * 1000,
          signal: ctx.signal,
        }).catch(e => {
          throw describeKratixError(e, `Waiting for ${requested}`);
        });
      }
    },
  });
}

function pending(
  kind: RequestKind,
  ref: { namespace: string; name: string } & Record<string, string>,
): ResourceOutput {
  return {
    promise: kind.promise,
    apiVersion: kind.apiVersion,
    kind: kind.kind,
    namespace: ref.namespace,
    name: ref.name,
    ref: resourceRefString(ref as any),
    destinations: [],
    stateStorePaths: [],
    schedulingMessage: '',
    scheduled: false,
    pagePath: resourcePagePath(kind, ref.namespace, ref.name),
  };
}

/** The manifest's path: inside the repository's directory, never out of it. */
function manifestFile(
  repo: GitopsRepository,
  file: string | undefined,
  ref: { kind: string; namespace: string; name: string },
): string {
  const rel = file ?? `${ref.namespace}/${ref.kind}/${ref.name}.yaml`;
  const parts = rel.split('/').filter(p => p && p !== '.');
  if (parts.length === 0 || parts.includes('..') || rel.startsWith('/')) {
    throw new Error(
      `gitops.file "${rel}" must be a relative path inside the repository`,
    );
  }
  return [repo.path, ...parts].filter(Boolean).join('/');
}
