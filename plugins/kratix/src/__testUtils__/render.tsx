import { ReactNode } from 'react';
import { Route, Routes } from 'react-router-dom';
import { mockApis, MockFetchApi, renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { signalApiRef, SignalApi } from '@backstage/plugin-signals-react';
import { kratixApiRef } from '../api/KratixApi';
import { KratixClient } from '../api/KratixClient';
import { rootRouteRef } from '../routes';
import { KratixRoutes } from '../components/KratixPage/KratixPage';
import { BASE_URL } from './fakeKratix';

export function testClient() {
  return new KratixClient({
    discoveryApi: mockApis.discovery({ baseUrl: BASE_URL }),
    fetchApi: new MockFetchApi(),
  });
}

/** A Signals API the test drives: `publish` delivers like the backend would. */
export class TestSignals implements SignalApi {
  private readonly subscribers = new Map<string, Set<(m: any) => void>>();
  subscribe(channel: string, onMessage: (m: any) => void) {
    const set = this.subscribers.get(channel) ?? new Set();
    set.add(onMessage);
    this.subscribers.set(channel, set);
    return { unsubscribe: () => set.delete(onMessage) };
  }
  publish(channel: string, message: any) {
    for (const s of this.subscribers.get(channel) ?? []) s(message);
  }
}

/** The legacy plugin's pages at `/kratix`, against the fake backend, in a Backstage test app. */
export function renderKratix(path: string, options?: { signals?: TestSignals; element?: ReactNode }) {
  const apis: any[] = [[kratixApiRef, testClient()]];
  if (options?.signals) apis.push([signalApiRef, options.signals]);
  return renderInTestApp(
    <TestApiProvider apis={apis as any}>
      {options?.element ?? (
        <Routes>
          <Route path="/kratix/*" element={<KratixRoutes />} />
        </Routes>
      )}
    </TestApiProvider>,
    { routeEntries: [path], mountedRoutes: { '/kratix': rootRouteRef } },
  );
}
