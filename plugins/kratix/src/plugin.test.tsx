import { screen } from '@testing-library/react';
import { Route, Routes } from 'react-router-dom';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import { registerMswTestHooks } from '@backstage/test-utils';
import { KratixPage, kratixPlugin } from './plugin';
import { KratixApiError } from './api/errors';
import { FakeKratix, KRATIX_URL } from './__testUtils__/fakeKratix';
import { renderKratix, testClient } from './__testUtils__/render';
import * as tutorial from './__testUtils__/tutorial';

const server = setupServer();
registerMswTestHooks(server);

describe('kratix plugin (legacy system)', () => {
  it('is the kratix plugin', () => {
    expect(kratixPlugin.getId()).toBe('kratix');
  });

  it('renders its routable page with Backstage’s header', async () => {
    server.use(...new FakeKratix([tutorial.promise()]).handlers());
    await renderKratix('/kratix/promises', {
      element: (
        <Routes>
          <Route path="/kratix/*" element={<KratixPage />} />
        </Routes>
      ),
    });
    expect(await screen.findByRole('heading', { name: 'Kratix' })).toBeInTheDocument();
    expect(await screen.findByRole('link', { name: 'elastic-cloud' })).toBeInTheDocument();
  });
});

describe('KratixClient errors', () => {
  it('keeps the backend’s Status', async () => {
    server.use(...new FakeKratix([]).handlers());
    const error = await testClient()
      .get('/apis/platform.kratix.io/v1alpha1/destinations/nope')
      .catch(e => e);
    expect(error).toBeInstanceOf(KratixApiError);
    expect(error.status).toMatchObject({ code: 404, reason: 'NotFound', message: 'destinations "nope" not found' });
  });

  it('makes a Status of Backstage’s own error answers and of plain text', async () => {
    server.use(
      http.get(`${KRATIX_URL}/a`, () =>
        HttpResponse.json({ error: { name: 'NotAllowedError', message: 'no token' } }, { status: 401 }),
      ),
      http.get(`${KRATIX_URL}/b`, () => new HttpResponse('upstream down', { status: 502 })),
    );
    await expect(testClient().get('/a')).rejects.toMatchObject({
      status: { code: 401, reason: 'Unauthorized', message: 'no token' },
    });
    await expect(testClient().get('/b')).rejects.toMatchObject({ status: { code: 502, message: 'upstream down' } });
  });
});
