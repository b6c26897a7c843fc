import * as tutorial from '../__testUtils__/tutorial';
import { requestSchemaOf, schemaFields, toFormSchema } from './schema';

describe('request schema', () => {
  it('takes the served version spec schema and lists its fields', () => {
    const schema = requestSchemaOf(tutorial.promise());
    expect(schemaFields(schema)).toEqual([
      expect.objectContaining({ path: 'spec.enableDataCollection', type: 'boolean', default: false, required: false }),
    ]);
  });

  it('drops Kubernetes extensions a JSON Schema validator does not know', () => {
    expect(
      toFormSchema({
        type: 'object',
        'x-kubernetes-preserve-unknown-fields': true,
        properties: { a: { type: 'integer', 'x-kubernetes-int-or-string': true } },
      }),
    ).toEqual({ type: 'object', additionalProperties: true, properties: { a: { type: 'integer' } } });
  });
});
