import { defineProject, mergeConfig } from "vitest/config"
import { sourceConditions } from "../../vitest.shared.js"

export default mergeConfig(sourceConditions, defineProject({
  test: {
    name: "undici",
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000
  }
}))
