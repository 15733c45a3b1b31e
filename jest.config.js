/**
 * Unit tests (libs) and end-to-end tests (apps, against real Postgres and Redis).
 * NestJS 12 ships as ES modules only and Jest can require ESM natively only from Node 24.9,
 * so tests run as ES modules (`--experimental-vm-modules`, see package.json) and @swc/jest
 * compiles TypeScript, decorator metadata included, to whichever module kind Jest asks for.
 */
const swcrc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swcrc.module;
const swc = ['@swc/jest', { ...swcrc, swcrc: false }];
const moduleNameMapper = {
  '^@kuaiche/domain$': '<rootDir>/libs/domain/src',
  '^@kuaiche/domain/(.*)$': '<rootDir>/libs/domain/src/$1',
  '^@kuaiche/bidding$': '<rootDir>/libs/bidding/src',
  '^@kuaiche/bidding/(.*)$': '<rootDir>/libs/bidding/src/$1',
  '^@kuaiche/simulator$': '<rootDir>/libs/simulator/src',
  '^@kuaiche/simulator/(.*)$': '<rootDir>/libs/simulator/src/$1',
};
const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper,
};
module.exports = {
  testTimeout: 60000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/apps/**/*.e2e-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFiles: ['<rootDir>/test/env.ts'],
    },
  ],
};
