// Jest for npm test: TypeScript tests under test/, transpiled by ts-jest, in a few parallel workers.
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
  // Most suites wait on sockets, emulated latency and child processes rather than compute: on 2 cores one
  // worker left a core idle (218 s), two used about 1.2 cores (174 s, then 125 s); three keep both busy while
  // npm test's static checks run beside them. No test depends on the machine's speed (the shutdown test
  // waits until its invokes reach the emulator; the breaker's cooldown leaves room for a loaded machine).
  maxWorkers: 3,
};
