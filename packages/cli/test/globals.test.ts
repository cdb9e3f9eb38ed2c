/** The root command: global options before or after the subcommand, environment, version, help without escape codes. */
import { ClerkEmulator } from "@effect-clerk/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { cli } from "./utils.js"

const emulator = ClerkEmulator.layer({ secretKeys: ["sk_test_flag"] })
const packageVersion: string = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version

describe("global options", () => {
  it.effect("--secret-key and --json work before and after the subcommand; the flag wins over CLERK_SECRET_KEY", () =>
    Effect.gen(function*() {
      const env = { CLERK_SECRET_KEY: "sk_test_env_is_wrong" }
      for (const args of [["--secret-key", "sk_test_flag", "--json", "list"], ["list", "--secret-key", "sk_test_flag", "--json"]]) {
        const ran = yield* cli(args, { env })
        assert.strictEqual(ran.code, 0, ran.stderr)
        assert.deepStrictEqual(JSON.parse(ran.stdout), { data: [], total_count: 0 })
      }
      const viaEnv = yield* cli(["list"], { env: { CLERK_SECRET_KEY: "sk_test_flag" } })
      assert.strictEqual(viaEnv.code, 0)
    }).pipe(Effect.provide(emulator)))

  it.effect("--api-url and CLERK_API_URL must be http(s); a trailing /v1 is accepted", () =>
    Effect.gen(function*() {
      const env = { CLERK_SECRET_KEY: "sk_test_flag" }
      assert.strictEqual((yield* cli(["list", "--api-url", "http://127.0.0.1:4010/v1"], { env })).code, 0)
      assert.strictEqual((yield* cli(["list"], { env: { ...env, CLERK_API_URL: "not a url" } })).code, 2)
    }).pipe(Effect.provide(emulator)))

  it.effect("--version prints the version of package.json", () =>
    Effect.gen(function*() {
      const ran = yield* cli(["--version"])
      assert.strictEqual(ran.code, 0)
      assert.deepStrictEqual(ran.stdoutLines, [packageVersion])
    }).pipe(Effect.provide(emulator)))

  it.effect("--help lists the commands, without escape codes when piped and with them on a terminal", () =>
    Effect.gen(function*() {
      const piped = yield* cli(["--help"])
      assert.strictEqual(piped.code, 0)
      for (const name of ["create", "list", "revoke", "emulator", "--secret-key", "--json", "--no-color", "--verbose"]) {
        assert.include(piped.stdout, name)
      }
      assert.notInclude(piped.stdout, "\u001b")
      const tty = yield* cli(["--help"], { tty: { stdout: true, stderr: true } })
      assert.include(tty.stdout, "\u001b[")
      const noColor = yield* cli(["--no-color", "--help"], { tty: { stdout: true, stderr: true } })
      assert.notInclude(noColor.stdout, "\u001b")
      const sub = yield* cli(["revoke", "--help"])
      for (const name of ["--stdin", "--dry-run", "--yes", "--status", "--query"]) assert.include(sub.stdout, name)
    }).pipe(Effect.provide(emulator)))

  it.effect("shell completions come from @effect/cli", () =>
    Effect.gen(function*() {
      const ran = yield* cli(["--completions", "bash"])
      assert.strictEqual(ran.code, 0)
      assert.include(ran.stdout, "effect-clerk")
      assert.include(ran.stdout, "revoke")
    }).pipe(Effect.provide(emulator)))
})
