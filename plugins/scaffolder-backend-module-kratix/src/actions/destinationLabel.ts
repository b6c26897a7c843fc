import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import {
  formatFieldErrors,
  KRATIX_API_VERSION,
  validateLabels,
} from '@kratix-backstage/plugin-kratix-common';
import { KratixObjectService } from '@kratix-backstage/plugin-kratix-node';
import { stringify } from 'yaml';
import { describeKratixError } from './resources';

export function createDestinationLabelAction(options: {
  objects: KratixObjectService;
}) {
  const { objects } = options;
  return createTemplateAction({
    id: 'kratix:destination:label',
    description:
      "Sets or removes labels of a Kratix Destination (kubectl label destination), with the initiator's permissions. Scheduling follows the new labels at once.",
    supportsDryRun: true,
    examples: [
      {
        description:
          'Make worker-1 a development destination with large volumes, as the tutorial does',
        example: stringify({
          steps: [
            {
              id: 'label',
              action: 'kratix:destination:label',
              name: 'Label worker-1',
              input: {
                destination: 'worker-1',
                labels: { environment: 'dev', pvCapacity: 'large' },
              },
            },
          ],
        }),
      },
      {
        description: 'Remove a label',
        example: stringify({
          steps: [
            {
              id: 'unlabel',
              action: 'kratix:destination:label',
              input: { destination: 'worker-1', remove: ['pvCapacity'] },
            },
          ],
        }),
      },
    ],
    schema: {
      input: {
        destination: z => z.string().min(1).describe('Name of the Destination'),
        labels: z =>
          z
            .record(z.string())
            .default({})
            .describe('Labels to set (key: value)'),
        remove: z =>
          z.array(z.string()).default([]).describe('Label keys to remove'),
      },
      output: {
        labels: z =>
          z.record(z.string()).describe("The Destination's labels afterwards"),
      },
    },
    async handler(ctx) {
      // Defaults of the schema are documentation: the scaffolder validates input, it does not fill it in.
      const { destination, labels = {}, remove = [] } = ctx.input;
      const clash = remove.filter(k => k in labels);
      if (clash.length) {
        throw new Error(`Labels both set and removed: ${clash.join(', ')}`);
      }
      const problems = validateLabels(labels, 'labels');
      if (problems.length) {
        throw new Error(`Invalid labels: ${formatFieldErrors(problems)}`);
      }
      const credentials = await ctx.getInitiatorCredentials();
      const ref = {
        apiVersion: KRATIX_API_VERSION,
        kind: 'Destination',
        name: destination,
      };
      const patch = {
        metadata: {
          labels: {
            ...labels,
            ...Object.fromEntries(remove.map(k => [k, null])),
          },
        },
      };
      const doing = `Labelling Destination "${destination}"`;
      try {
        if (ctx.isDryRun) {
          const current = await objects.get(ref, { credentials });
          const next: Record<string, string> = {
            ...current.metadata.labels,
            ...labels,
          };
          remove.forEach(k => delete next[k]);
          ctx.logger.info(
            `Would set the labels of ${destination} to ${JSON.stringify(next)}`,
          );
          ctx.output('labels', next);
          return;
        }
        // A merge patch is idempotent: a recovered task applying it again changes nothing.
        const updated = await objects.patch(ref, patch, { credentials });
        ctx.logger.info(
          `Labels of ${destination}: ${JSON.stringify(
            updated.metadata.labels ?? {},
          )}`,
        );
        ctx.output('labels', updated.metadata.labels ?? {});
      } catch (e) {
        throw describeKratixError(e, doing);
      }
    },
  });
}
