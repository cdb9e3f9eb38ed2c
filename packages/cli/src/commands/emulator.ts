/**
 * `effect-clerk emulator`: serves the in-memory Clerk emulator over HTTP, with the options of
 * `clerk-emulator`, so every other command can be tried without a key:
 * `CLERK_API_URL=http://127.0.0.1:4010 CLERK_SECRET_KEY=sk_test_emulator effect-clerk list`.
 * Prints `Clerk emulator listening on <url>` on stdout and serves until interrupted.
 */
import { ClerkEmulator } from "@effect-clerk/emulator"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { subcommand } from "../internal/command.js"
import { partial } from "../internal/exit.js"
import * as Globals from "../internal/globals.js"

const describe = (u: unknown): string => (u instanceof Error ? u.message : String(u))

// `--secret-key` means here what it means to `clerk-emulator`: a key to accept (repeatable).
const { secretKey: _clientKey, ...globalOptions } = Globals.options

const config = {
  ...globalOptions,
  port: Options.integer("port").pipe(Options.withDescription("TCP port to listen on; 0 picks a free one"), Options.withDefault(4010)),
  host: Options.text("host").pipe(
    Options.withDescription("address to bind; keep it on loopback unless you mean otherwise"),
    Options.withDefault("127.0.0.1")
  ),
  secretKeys: Options.text("secret-key").pipe(
    Options.withDescription(`a secret key the emulator accepts (repeatable; default ${ClerkEmulator.defaultSecretKey})`),
    Options.repeated
  ),
  noRateLimits: Options.boolean("no-rate-limits").pipe(
    Options.withDescription("turn off Clerk's create (100/h) and bulk (25/h) quotas")
  )
}

/**
 * The `emulator` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("emulator", config, (options) =>
  Effect.gen(function*() {
    const globals = yield* Globals.Globals
    const url = yield* ClerkEmulator.serverUrl
    yield* Console.log(globals.json ? JSON.stringify({ url }) : `Clerk emulator listening on ${url}`)
    return yield* Effect.never
  }).pipe(
    Effect.provide(ClerkEmulator.layerServer({
      port: options.port,
      host: options.host,
      secretKeys: options.secretKeys.length > 0 ? options.secretKeys : undefined,
      rateLimits: options.noRateLimits ? false : undefined
    })),
    Effect.catchTag("ServeError", (error) =>
      Effect.fail(partial(`could not serve on ${options.host}:${options.port}: ${describe(error.cause)}`)))
  )).pipe(
    Command.withDescription("Serve the Clerk emulator over HTTP (the clerk-emulator server) to try every command without a key."),
    subcommand
  )
