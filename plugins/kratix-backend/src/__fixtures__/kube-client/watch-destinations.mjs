// Follows Destinations with @kubernetes/client-node's Watch, as any
// Kubernetes tool would, and prints each event as a JSON line.
// Usage: node watch-destinations.mjs <server> <token> <resourceVersion>
// A test fixture, run only by listAndWatch.test.ts: a devDependency is right.
// eslint-disable-next-line @backstage/no-undeclared-imports
import { KubeConfig, Watch } from '@kubernetes/client-node';

const [server, token, resourceVersion] = process.argv.slice(2);
const config = new KubeConfig();
config.loadFromOptions({
  clusters: [{ name: 'kratix', server, skipTLSVerify: true }],
  users: [{ name: 'portal', token }],
  contexts: [{ name: 'kratix', cluster: 'kratix', user: 'portal' }],
  currentContext: 'kratix',
});

await new Watch(config).watch(
  '/apis/platform.kratix.io/v1alpha1/destinations',
  { resourceVersion, allowWatchBookmarks: true },
  (type, object) =>
    console.log(
      JSON.stringify({
        type,
        name: object.metadata?.name,
        labels: object.metadata?.labels ?? {},
        resourceVersion: object.metadata?.resourceVersion,
      }),
    ),
  error => {
    console.log(
      JSON.stringify({ done: true, error: error ? String(error) : null }),
    );
    process.exit(0);
  },
);
