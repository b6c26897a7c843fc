import { Header, Page } from '@backstage/core-components';
import { KratixRoutes } from './KratixPage';

/** The legacy system's page: Backstage's page frame around the plugin's routes. */
export function LegacyKratixPage() {
  return (
    <Page themeId="tool">
      <Header title="Kratix" subtitle="Promises, Destinations and where workloads run" />
      <KratixRoutes />
    </Page>
  );
}
