/*
 * A small in-memory stand-in for the Kratix backend's HTTP API, served with
 * msw: real label-selector filtering (kratix-common's parser), paging, merge
 * patches of labels, and Kubernetes Status errors, so the pages are tested
 * against the contract rather than canned answers per test.
 */
import { http, HttpResponse } from 'msw';
import { parseAllDocuments } from 'yaml';
import {
  KubeObject,
  matchesLabelSelector,
  parseLabelSelector,
} from '@kratix-backstage/plugin-kratix-common';
import type { WhatIfResult } from '../api/KratixApi';

export const BASE_URL = 'http://localhost:7007';
export const KRATIX_URL = `${BASE_URL}/api/kratix`;

const PLURALS: Record<string, string> = {
  Promise: 'promises',
  Destination: 'destinations',
  FilesystemStateStore: 'filesystemstatestores',
  Work: 'works',
  WorkPlacement: 'workplacements',
  Pod: 'pods',
  Event: 'events',
};

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: unknown;
}

function status(code: number, reason: string, message: string, causes?: unknown[]) {
  return HttpResponse.json(
    { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message, ...(causes ? { details: { causes } } : {}) },
    { status: code },
  );
}

export class FakeKratix {
  objects: KubeObject[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Kinds whose plural the fake answers 403 on every call, naming this permission. */
  forbidden?: { permission: string; methods?: string[] };
  /** Set to answer POST /whatif/destinations/:name; absent: 404 like an older backend. */
  whatIf?: (name: string, labels: Record<string, string>) => WhatIfResult;
  /** Logs of pods by name; pods/events endpoints answer 404 unless `recordsRuns`. */
  recordsRuns = false;
  /** Like a backend from before paging: `limit` and `continue` are ignored. */
  ignoresPaging = false;
  logs: Record<string, string> = {};
  /** Validation of created objects; return causes for a 422. */
  validate?: (obj: KubeObject) => { field: string; message: string }[] | undefined;

  constructor(objects: KubeObject[] = []) {
    this.objects = objects;
  }

  pluralOf(o: KubeObject): string {
    return PLURALS[o.kind] ?? `${o.kind}s`;
  }

  groupOf(o: KubeObject): string {
    const [g, v] = o.apiVersion.split('/');
    return v ? g : '';
  }

  put(o: KubeObject) {
    this.objects = this.objects.filter(
      x => !(x.kind === o.kind && x.metadata.name === o.metadata.name && x.metadata.namespace === o.metadata.namespace),
    );
    this.objects.push(o);
  }

  find(plural: string, name: string, namespace?: string) {
    return this.objects.find(
      o => this.pluralOf(o) === plural && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
    );
  }

  calls(method: string, pathPrefix: string) {
    return this.requests.filter(r => r.method === method && r.path.startsWith(pathPrefix));
  }

  handlers() {
    return [
      http.all(`${KRATIX_URL}/*`, async ({ request }) => {
        const url = new URL(request.url);
        const path = url.pathname.slice('/api/kratix'.length);
        const method = request.method;
        let body: unknown;
        const text = method === 'GET' || method === 'DELETE' ? '' : await request.text();
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = text;
        }
        this.requests.push({ method, path, query: url.searchParams, body });
        return this.answer(method, path, url.searchParams, body);
      }),
    ];
  }

  private applyYaml(text: string) {
    let objects: KubeObject[];
    try {
      objects = parseAllDocuments(text).map(d => d.toJS() as KubeObject).filter(Boolean);
    } catch (e) {
      return status(400, 'BadRequest', (e as Error).message);
    }
    const items = objects.map(o => {
      if (!o?.kind || !o.metadata?.name) return undefined;
      const existed = this.find(this.pluralOf(o), o.metadata.name, o.metadata.namespace);
      this.put(o);
      return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.metadata.name,
        ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
        action: existed ? 'configured' : 'created',
      };
    });
    if (items.some(i => !i)) return status(422, 'Invalid', 'an object has no kind or metadata.name');
    return HttpResponse.json({ kind: 'List', apiVersion: 'v1', items });
  }

  private answer(method: string, path: string, query: URLSearchParams, body: any) {
    if (this.forbidden && (!this.forbidden.methods || this.forbidden.methods.includes(method)))
      return status(403, 'Forbidden', `${method} ${path} is not allowed: missing permission ${this.forbidden.permission}`);

    if (path === '/apply' && method === 'POST') return this.applyYaml(String(body));

    const whatIf = /^\/whatif\/destinations\/([^/]+)$/.exec(path);
    if (whatIf) {
      if (!this.whatIf) return status(404, 'NotFound', 'the server could not find the requested resource');
      return HttpResponse.json(this.whatIf(decodeURIComponent(whatIf[1]), body.labels) as any);
    }
    if (path.startsWith('/explain/')) return status(404, 'NotFound', 'the server could not find the requested resource');

    // /apis/{g}/{v}[/namespaces/{ns}]/{plural}[/{name}] or /api/v1[/namespaces/{ns}]/{plural}[/{name}[/log]]
    const m =
      /^\/apis\/([^/]+)\/([^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(path) ??
      /^\/api\/(v1)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(\/log)?$/.exec(path);
    if (!m) return status(404, 'NotFound', `no route for ${path}`);
    const core = path.startsWith('/api/v1');
    const group = core ? '' : decodeURIComponent(m[1]);
    const namespace = core ? m[2] && decodeURIComponent(m[2]) : m[3] && decodeURIComponent(m[3]);
    const plural = core ? m[3] : m[4];
    const name = core ? m[4] && decodeURIComponent(m[4]) : m[5] && decodeURIComponent(m[5]);
    if (core && !this.recordsRuns) return status(404, 'NotFound', 'the server could not find the requested resource');
    if (core && m[5]) return new HttpResponse(this.logs[name!] ?? '', { headers: { 'Content-Type': 'text/plain' } });

    const matching = this.objects.filter(
      o =>
        this.pluralOf(o) === plural &&
        this.groupOf(o) === group &&
        (namespace === undefined || o.metadata.namespace === namespace),
    );

    if (name) {
      const found = matching.find(o => o.metadata.name === name);
      if (method === 'GET')
        return found ? HttpResponse.json(found) : status(404, 'NotFound', `${plural} "${name}" not found`);
      if (method === 'PATCH') {
        if (!found) return status(404, 'NotFound', `${plural} "${name}" not found`);
        const labels = { ...(found.metadata.labels ?? {}) };
        for (const [k, v] of Object.entries(body?.metadata?.labels ?? {})) {
          if (v === null) delete labels[k];
          else labels[k] = v as string;
        }
        const updated = { ...found, metadata: { ...found.metadata, labels } };
        this.put(updated);
        return HttpResponse.json(updated);
      }
      return status(405, 'MethodNotAllowed', `${method} not allowed`);
    }

    if (method === 'POST') {
      const obj = body as KubeObject;
      const causes = this.validate?.(obj);
      if (causes?.length) return status(422, 'Invalid', `${obj.kind} "${obj.metadata?.name}" is invalid`, causes);
      if (matching.some(o => o.metadata.name === obj.metadata.name))
        return status(409, 'AlreadyExists', `${plural} "${obj.metadata.name}" already exists`);
      this.put(obj);
      return HttpResponse.json(obj, { status: 201 });
    }
    if (method !== 'GET') return status(405, 'MethodNotAllowed', `${method} not allowed`);

    let items = matching;
    const selector = query.get('labelSelector');
    if (selector) {
      try {
        const requirements = parseLabelSelector(selector);
        items = items.filter(o => matchesLabelSelector(requirements, o.metadata.labels));
      } catch (e) {
        return status(400, 'BadRequest', (e as Error).message);
      }
    }
    const fieldSelector = query.get('fieldSelector');
    if (fieldSelector) {
      const wanted = fieldSelector.split(',').map(p => p.split('='));
      items = items.filter(o =>
        wanted.every(([k, v]) => k.split('.').reduce((x: any, part) => x?.[part], o) === v),
      );
    }
    items = [...items].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const limit = this.ignoresPaging ? 0 : Number(query.get('limit') ?? 0);
    const offset = Number(query.get('continue') ?? 0);
    const page = limit ? items.slice(offset, offset + limit) : items;
    const rest = limit ? items.length - offset - page.length : 0;
    return HttpResponse.json({
      kind: 'List',
      items: page,
      metadata: {
        resourceVersion: '42',
        ...(rest > 0 ? { continue: String(offset + limit), remainingItemCount: rest } : {}),
      },
    });
  }
}
