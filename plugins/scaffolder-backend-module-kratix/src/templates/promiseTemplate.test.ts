import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { PromiseObject } from '@kratix-backstage/plugin-kratix-common';
import { promiseTemplate, titleOf } from './promiseTemplate';

const elasticCloud: PromiseObject = parse(
  fs.readFileSync(
    path.resolve(__dirname, '../../../../examples/elastic-cloud/promise.yaml'),
    'utf8',
  ),
);

describe('promiseTemplate', () => {
  const template = promiseTemplate(elasticCloud, {
    owner: 'group:default/platform-team',
  })!;

  it('names the template after the Promise and says where it came from', () => {
    expect(template.apiVersion).toBe('scaffolder.backstage.io/v1beta3');
    expect(template.kind).toBe('Template');
    expect(template.metadata.name).toBe('kratix-request-elastic-cloud');
    expect(template.metadata.title).toBe('Request elastic-cloud');
    expect(template.metadata.annotations).toMatchObject({
      'kratix.io/promise-name': 'elastic-cloud',
      'kratix.io/api-group': 'marketplace.kratix.io',
      'kratix.io/kind': 'elastic-cloud',
    });
    expect(template.spec).toMatchObject({
      owner: 'group:default/platform-team',
      type: 'kratix-resource',
    });
  });

  it('asks for enableDataCollection as a checkbox with the schema description as help', () => {
    const specPage = (template.spec as any).parameters[1];
    const field = specPage.properties.spec.properties.enableDataCollection;
    expect(field).toEqual({
      type: 'boolean',
      default: false,
      title: 'Enable data collection',
      'ui:widget': 'checkbox',
      'ui:help':
        'Deploy Beats to collect metrics; needs a destination with large persistent volumes (pvCapacity=large).',
    });
  });

  it('requests through kratix:resource:request with the form values', () => {
    const [step] = (template.spec as any).steps;
    expect(step.action).toBe('kratix:resource:request');
    expect(step.input).toEqual({
      promise: 'elastic-cloud',
      namespace: '${{ parameters.namespace }}',
      name: '${{ parameters.name }}',
      spec: '${{ parameters.spec }}',
    });
    const first = (template.spec as any).parameters[0];
    expect(first.required).toEqual(['name', 'namespace']);
    expect(first.properties.namespace.default).toBe('default');
  });

  it('drops Kubernetes schema extensions, which JSON Schema does not know, and keeps nesting', () => {
    const promise: PromiseObject = structuredClone(elasticCloud);
    promise.spec!.api!.spec.versions[0].schema!.openAPIV3Schema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          required: ['size'],
          properties: {
            size: { type: 'string', enum: ['small', 'large'] },
            extra: {
              type: 'object',
              'x-kubernetes-preserve-unknown-fields': true,
              properties: {
                replicaCount: {
                  type: 'integer',
                  'x-kubernetes-int-or-string': true,
                },
              },
            },
          },
        },
      },
    };
    const spec = (promiseTemplate(promise, { owner: 'x' })!.spec as any)
      .parameters[1].properties.spec;
    expect(spec.required).toEqual(['size']);
    expect(spec.properties.size).toEqual({
      type: 'string',
      enum: ['small', 'large'],
      title: 'Size',
    });
    expect(spec.properties.extra).toEqual({
      type: 'object',
      title: 'Extra',
      additionalProperties: true,
      properties: { replicaCount: { type: 'integer', title: 'Replica count' } },
    });
  });

  it('uses the storage version, and none for a Promise without an API', () => {
    const promise: PromiseObject = structuredClone(elasticCloud);
    promise.spec!.api!.spec.versions = [
      { name: 'v1alpha1', served: true, storage: false },
      { name: 'v1', served: true, storage: true },
    ];
    expect(
      promiseTemplate(promise, { owner: 'x' })!.metadata.description as string,
    ).toContain('marketplace.kratix.io/v1');
    const bare: PromiseObject = { ...elasticCloud, spec: { dependencies: [] } };
    expect(promiseTemplate(bare, { owner: 'x' })).toBeUndefined();
  });

  it('titles keys as words', () => {
    expect(titleOf('enableDataCollection')).toBe('Enable data collection');
    expect(titleOf('pv_capacity')).toBe('Pv capacity');
    expect(titleOf('DNSName')).toBe('Dnsname');
  });
});
