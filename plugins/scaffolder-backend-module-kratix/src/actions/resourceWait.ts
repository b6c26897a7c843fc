import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { KratixObjectService } from '@kratix-backstage/plugin-kratix-node';
import { stringify } from 'yaml';
import {
  describeKratixError,
  describeResource,
  parseResourceRef,
  requestKindOf,
  waitUntilScheduled,
} from './resources';
import { resourceOutputSchema } from './schemas';

export function createResourceWaitAction(options: {
  objects: KratixObjectService;
}) {
  const { objects } = options;
  return createTemplateAction({
    id: 'kratix:resource:wait',
    description:
      'Waits until a Kratix resource request is scheduled and its workloads are written to their destinations, or fails after a timeout saying what it still needs.',
    supportsDryRun: true,
    examples: [
      {
        description: 'Wait for the resource an earlier step requested',
        example: stringify({
          steps: [
            {
              id: 'wait',
              action: 'kratix:resource:wait',
              name: 'Wait until scheduled',
              input: {
                promise: 'elastic-cloud',
                ref: '${{ steps.request.output.ref }}',
                timeoutSeconds: 600,
              },
            },
          ],
        }),
      },
    ],
    schema: {
      input: {
        promise: z =>
          z
            .string()
            .min(1)
            .describe('The Promise the resource was requested from'),
        ref: z =>
          z
            .string()
            .describe(
              'group/version/kind/namespace/name, as kratix:resource:request outputs it',
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
      output: resourceOutputSchema,
    },
    async handler(ctx) {
      const credentials = await ctx.getInitiatorCredentials();
      const ref = parseResourceRef(ctx.input.ref);
      const what = `${ref.kind} ${ref.namespace}/${ref.name}`;
      const promised = await requestKindOf(
        objects,
        ctx.input.promise,
        credentials,
      ).catch(e => {
        throw describeKratixError(e, `Reading Promise "${ctx.input.promise}"`);
      });
      if (promised.kind !== ref.kind) {
        throw new Error(
          `${what} is not a resource of Promise "${ctx.input.promise}", whose kind is ${promised.kind}`,
        );
      }
      // The reference's version: a request may use any served version.
      const kind = { ...promised, apiVersion: ref.apiVersion };
      try {
        // A dry run has requested nothing, so there is nothing to wait for: say where it stands.
        const output = ctx.isDryRun
          ? (
              await describeResource(objects, kind, ref, credentials).catch(
                () => undefined,
              )
            )?.output
          : await waitUntilScheduled({
              objects,
              kind,
              ref,
              credentials,
              timeoutMs: (ctx.input.timeoutSeconds ?? 300) * 1000,
              signal: ctx.signal,
            });
        for (const [key, value] of Object.entries(output ?? {})) {
          ctx.output(key as any, value);
        }
      } catch (e) {
        throw describeKratixError(e, `Waiting for ${what}`);
      }
    },
  });
}
