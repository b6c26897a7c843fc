import type { z as zod } from 'zod/v3';

type Z = typeof zod;

/** What every resource action outputs about the resource. */
export const resourceOutputSchema = {
  promise: (z: Z) => z.string().describe('The Promise requested from'),
  apiVersion: (z: Z) => z.string().describe("The resource's apiVersion"),
  kind: (z: Z) => z.string().describe("The resource's kind"),
  namespace: (z: Z) => z.string(),
  name: (z: Z) => z.string(),
  ref: (z: Z) =>
    z
      .string()
      .describe(
        'group/version/kind/namespace/name: the input of kratix:resource:wait',
      ),
  destinations: (z: Z) =>
    z.array(z.string()).describe('Destinations its workloads were placed on'),
  stateStorePaths: (z: Z) =>
    z
      .array(z.object({ destination: z.string(), files: z.array(z.string()) }))
      .describe(
        "Files written, per destination, relative to its state store's root",
      ),
  schedulingMessage: (z: Z) =>
    z.string().describe('Where it is scheduled, or what it still needs'),
  scheduled: (z: Z) =>
    z.boolean().describe('Every workload placed and written'),
  pagePath: (z: Z) =>
    z
      .string()
      .optional()
      .describe(
        "The resource's page in the portal: where it runs, or why not yet",
      ),
};
