/**
 * The HTTP API's path refusal code, which these tests raise from their own path policies the way the
 * server does. Declared here as any package outside core declares its codes (see src/errors.ts).
 */
declare module '../../src/errors.js' {
  interface ErrorCodeRegistry {
    testApi: 'TK_ERR_API_PATH_FORBIDDEN';
  }
}
export const PATH_FORBIDDEN = 'TK_ERR_API_PATH_FORBIDDEN' as const;
