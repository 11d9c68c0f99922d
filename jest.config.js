/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest/presets/js-with-ts',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Type-checking is done once by `tsc --noEmit` in `npm test`; ts-jest only transpiles.
  transform: {
    '^.+\\.[tj]sx?$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }],
  },
  // ESM-only packages (e.g. `cookie` pulled in by Fastify) must be transformed to CommonJS.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|set-cookie-parser)/)'],
  testTimeout: 30000,
};
