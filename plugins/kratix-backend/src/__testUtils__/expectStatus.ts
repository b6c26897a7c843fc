/** Every Kubernetes `Status` failure answer has this shape. */
export function expectFailureStatus(body: any, code: number, reason: string) {
  expect(body).toMatchObject({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    code,
    reason,
    message: expect.any(String),
  });
}
