import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // End-to-end tests in a real VS Code run separately: `npm run test:e2e`.
    exclude: ["test/e2e/**", "node_modules/**"],
    testTimeout: 60_000,
  },
});
