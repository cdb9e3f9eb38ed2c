#!/usr/bin/env node
/**
 * The `clerk-emulator` command: serves the emulator over HTTP until SIGINT or SIGTERM.
 *
 * ```sh
 * clerk-emulator [--port 4010] [--host 127.0.0.1] [--secret-key sk_test_emulator]... [--no-rate-limits]
 * ```
 *
 * `--port 0` picks a free port; the printed line carries the bound one:
 * `Clerk emulator listening on http://127.0.0.1:PORT`. `--secret-key` may repeat; without it
 * the emulator accepts `sk_test_emulator`. The loopback-only control endpoints live under
 * `/__emulator` (see `ClerkEmulator.layerServer`).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as ClerkEmulator from "./ClerkEmulator.js"

const port = Options.integer("port").pipe(
  Options.withDescription("TCP port to listen on; 0 picks a free one"),
  Options.withDefault(4010)
)
const host = Options.text("host").pipe(
  Options.withDescription("address to bind; keep it on loopback unless you mean otherwise"),
  Options.withDefault("127.0.0.1")
)
const secretKeys = Options.text("secret-key").pipe(
  Options.withDescription(`a secret key to accept (repeatable; default ${ClerkEmulator.defaultSecretKey})`),
  Options.repeated
)
const noRateLimits = Options.boolean("no-rate-limits").pipe(
  Options.withDescription("turn off Clerk's create (100/h) and bulk (25/h) quotas")
)

const serve = Command.make(
  "clerk-emulator",
  { port, host, secretKeys, noRateLimits },
  (options) =>
    Effect.gen(function*() {
      yield* Console.log(`Clerk emulator listening on ${yield* ClerkEmulator.serverUrl}`)
      return yield* Effect.never
    }).pipe(
      Effect.provide(ClerkEmulator.layerServer({
        port: options.port,
        host: options.host,
        secretKeys: options.secretKeys.length > 0 ? options.secretKeys : undefined,
        rateLimits: options.noRateLimits ? false : undefined
      }))
    )
)

const cli = Command.run(serve, { name: "clerk-emulator", version: "0.1.0" })

cli(process.argv).pipe(Effect.provide(NodeContext.layer), NodeRuntime.runMain)
