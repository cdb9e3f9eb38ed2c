/**
 * What every test project shares: imports of our own packages resolve to their TypeScript sources
 * through the `@effect-clerk/source` export condition, so tests never need a build.
 */
import { defaultServerConditions } from "vite"
import type { UserWorkspaceConfig } from "vitest/config"

export const sourceConditions = {
  resolve: { conditions: ["@effect-clerk/source", ...defaultServerConditions] },
  ssr: { resolve: { conditions: ["@effect-clerk/source", ...defaultServerConditions] } }
} satisfies UserWorkspaceConfig
