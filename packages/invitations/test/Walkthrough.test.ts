/**
 * The README's `npm start` stays true: the walkthrough runs against the embedded emulator and
 * catches every typed error by its tag.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"

const root = fileURLToPath(new URL("../../../", import.meta.url))

describe("examples/walkthrough.ts", () => {
  it.live("runs against the emulator and catches all eight tags", () =>
    Effect.gen(function*() {
      const env: NodeJS.ProcessEnv = { ...process.env }
      delete env["CLERK_SECRET_KEY"]
      delete env["CLERK_API_URL"]
      const output = yield* Effect.async<string, Error>((resume) => {
        const child = execFile(
          process.execPath,
          ["--conditions=@effect-clerk/source", "--import", "tsx", "examples/walkthrough.ts"],
          { cwd: root, env, timeout: 60_000 },
          (error, stdout, stderr) => resume(error ? Effect.fail(new Error(`${error.message}\n${stderr}`)) : Effect.succeed(stdout))
        )
        return Effect.sync(() => child.kill())
      })
      assert.include(output, "started the emulator at http://127.0.0.1:")
      for (const tag of ["InvalidRequest", "DuplicateEmail", "InvitationNotRevocable", "InvitationNotFound", "Unauthorized", "ClerkRequestError", "RateLimited", "ClerkApiError"]) {
        assert.include(output, `caught ${tag}:`)
      }
      assert.include(output, "4 invitations:")
      assert.include(output, "Done.")
    }), 90_000)
})
