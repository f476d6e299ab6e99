import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep parallelism modest so end-to-end servers and git fixtures don't starve each other.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
