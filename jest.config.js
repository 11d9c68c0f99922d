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
  // ESM-only packages: Node 24 require()s them, Jest's module loader does not (only with Node's experimental
  // --experimental-vm-modules), so under Jest alone they are transformed to CommonJS: jose 6 and cockatiel 4,
  // and `cookie`, which Fastify pulls in.
  transformIgnorePatterns: ['/node_modules/(?!(cookie|jose|cockatiel)/)'],
  testTimeout: 30000,
  // Most suites wait on sockets and emulated latency rather than compute: on 2 cores, Jest's default (one
  // worker) left a core idle; two workers took the suite from 218 s to 174 s on the CI machine.
  maxWorkers: 2,
};
