import { ReactNode } from 'react';
import { Route, Routes } from 'react-router-dom';
import { mockApis, MockFetchApi, renderInTestApp, TestApiProvider } from '@backstage/test-utils';
import { signalApiRef, SignalApi } from '@backstage/plugin-signals-react';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import { AuthorizeResult, EvaluatePermissionRequest } from '@backstage/plugin-permission-common';
import { SWRConfig } from 'swr';
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

/** A policy for the test app's permission API: everything allowed unless it says DENY. */
export type TestPolicy = (request: EvaluatePermissionRequest) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;

/** Denies one permission (on one resource, given `resourceRef`), allows the rest. */
export function denying(permission: string, resourceRef?: string): TestPolicy {
  return request =>
    request.permission.name === permission &&
    (resourceRef === undefined || request.resourceRef === resourceRef)
      ? AuthorizeResult.DENY
      : AuthorizeResult.ALLOW;
}

/**
 * The legacy plugin's pages at `/kratix`, against the fake backend, in a
 * Backstage test app (whose permission API allows everything, or answers
 * with `permission`).
 */
export function renderKratix(
  path: string,
  options?: { signals?: TestSignals; element?: ReactNode; permission?: TestPolicy },
) {
  const apis: any[] = [
    [kratixApiRef, testClient()],
    [permissionApiRef, mockApis.permission({ authorize: options?.permission ?? AuthorizeResult.ALLOW })],
  ];
  if (options?.signals) apis.push([signalApiRef, options.signals]);
  return renderInTestApp(
    // usePermission caches decisions in SWR's global cache: one per test, or a test sees the last one's policy.
    <SWRConfig value={{ provider: () => new Map() }}>
      <TestApiProvider apis={apis as any}>
        {options?.element ?? (
          <Routes>
            <Route path="/kratix/*" element={<KratixRoutes />} />
          </Routes>
        )}
      </TestApiProvider>
    </SWRConfig>,
    { routeEntries: [path], mountedRoutes: { '/kratix': rootRouteRef } },
  );
}
