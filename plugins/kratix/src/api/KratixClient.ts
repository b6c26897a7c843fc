import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import type { KubeObject } from '@kratix-backstage/plugin-kratix-common';
import type {
  ApplyResult,
  KratixApi,
  KubeList,
  ListOptions,
  WhatIfResult,
  WorkExplanation,
} from './KratixApi';
import { isKubeStatus, KratixApiError } from './errors';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  422: 'Invalid',
};

function query(options?: ListOptions): string {
  const params = new URLSearchParams();
  if (options?.labelSelector) params.set('labelSelector', options.labelSelector);
  if (options?.fieldSelector) params.set('fieldSelector', options.fieldSelector);
  if (options?.limit) params.set('limit', String(options.limit));
  if (options?.continue) params.set('continue', options.continue);
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** The Kratix backend over Backstage's fetchApi, so every call carries the user's token. */
export class KratixClient implements KratixApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  list<T = KubeObject>(path: string, options?: ListOptions) {
    return this.json<KubeList<T>>(`${path}${query(options)}`);
  }

  get<T = KubeObject>(path: string) {
    return this.json<T>(path);
  }

  create<T = KubeObject>(collectionPath: string, object: unknown) {
    return this.json<T>(collectionPath, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(object),
    });
  }

  patch<T = KubeObject>(path: string, patch: unknown) {
    return this.json<T>(path, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify(patch),
    });
  }

  async remove(path: string) {
    await this.json(path, { method: 'DELETE' });
  }

  apply(yaml: string) {
    return this.json<ApplyResult>('/apply', {
      method: 'POST',
      headers: { 'Content-Type': 'application/yaml' },
      body: yaml,
    });
  }

  whatIfDestination(name: string, labels: Record<string, string>) {
    return this.json<WhatIfResult>(
      `/whatif/destinations/${encodeURIComponent(name)}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ labels }),
      },
    );
  }

  explainWork(namespace: string, name: string, options?: { limit?: number }) {
    const limit = options?.limit ? `?limit=${options.limit}` : '';
    return this.json<WorkExplanation>(
      `/explain/namespaces/${encodeURIComponent(
        namespace,
      )}/works/${encodeURIComponent(name)}${limit}`,
    );
  }

  async getText(path: string) {
    const response = await this.send(path);
    return response.text();
  }

  private async json<T>(path: string, init?: RequestInit): Promise<T> {
    const response = await this.send(path, init);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(path: string, init?: RequestInit): Promise<Response> {
    const base = await this.discoveryApi.getBaseUrl('kratix');
    const response = await this.fetchApi.fetch(`${base}${path}`, init);
    if (!response.ok) throw await toError(response);
    return response;
  }
}

async function toError(response: Response): Promise<KratixApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (isKubeStatus(body)) return new KratixApiError(body);
    // Backstage's own error handler answers {error: {name, message}}.
    if (body?.error?.message)
      return new KratixApiError({
        kind: 'Status',
        code: response.status,
        reason: REASONS[response.status] ?? body.error.name,
        message: body.error.message,
      });
  } catch {
    // not JSON: fall through to the status line
  }
  return new KratixApiError({
    kind: 'Status',
    code: response.status,
    reason: REASONS[response.status],
    message: text.trim() || `${response.status} ${response.statusText}`,
  });
}
