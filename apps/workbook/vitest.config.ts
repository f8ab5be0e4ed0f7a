import { defineProject } from 'vitest/config';

/** Unit tests of the workbook's client logic (the browser suite is test/e2e, run by test/e2e/run.mjs). */
export default defineProject({
  test: {
    name: 'workbook',
    environment: 'node',
    include: ['test/unit/**/*.test.ts'],
  },
});
