#!/usr/bin/env node
/**
 * The `clerk-emulator` command: serves the emulator over HTTP until SIGINT or SIGTERM.
 *
 * ```sh
 * clerk-emulator [--port 4010] [--host 127.0.0.1] [--secret-key sk_test_emulator]... [--no-rate-limits] [--log-authorization]
 * ```
 *
 * `--port 0` picks a free port; the printed line carries the bound one:
 * `Clerk emulator listening on http://127.0.0.1:PORT` (a server bound to `0.0.0.0` prints its
 * loopback URL, which a client can use). `--secret-key` may repeat; without it the emulator
 * accepts `sk_test_emulator`. The loopback-only control endpoints live under `/__emulator` (see
 * `ClerkEmulator.layerServer`); their request log redacts `Authorization` unless
 * `--log-authorization` is given.
 *
 * Exit codes: 0 after SIGINT or SIGTERM (or `--help`), 2 for a usage error (an unknown flag, a bad
 * port), 1 when the server cannot start (a port in use, say). Errors are one line on stderr, and
 * help and errors carry no ANSI codes unless the stream is a terminal and `NO_COLOR` is unset.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as HelpDoc from "@effect/cli/HelpDoc"
import * as Options from "@effect/cli/Options"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as HttpServerError from "@effect/platform/HttpServerError"
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as ClerkEmulator from "./ClerkEmulator.js"

/** The server could not start; `message` is the one line to print. */
class StartFailure extends Schema.TaggedError<StartFailure>()("StartFailure", { message: Schema.String }) {}

const defaultPort = 4010
const defaultHost = "127.0.0.1"

const port = Options.integer("port").pipe(
  Options.withDescription(`TCP port to listen on, from 0 to 65535 (default ${defaultPort}); 0 picks a free one`),
  Options.withDefault(defaultPort),
  Options.mapEffect((value) =>
    value >= 0 && value <= 65535
      ? Effect.succeed(value)
      : Effect.fail(ValidationError.invalidValue(HelpDoc.p(`--port must be from 0 to 65535, got ${value}`)))
  )
)
const host = Options.text("host").pipe(
  Options.withDescription(
    `address to bind (default ${defaultHost}); keep it on loopback unless you mean otherwise: control endpoints answer loopback clients only`
  ),
  Options.withDefault(defaultHost)
)
const secretKeys = Options.text("secret-key").pipe(
  Options.withDescription(`a secret key to accept (repeatable; default ${ClerkEmulator.defaultSecretKey})`),
  Options.repeated
)
const noRateLimits = Options.boolean("no-rate-limits").pipe(
  Options.withDescription("turn off Clerk's create (100/h) and bulk (25/h) quotas (default: on)")
)
const logAuthorization = Options.boolean("log-authorization").pipe(
  Options.withDescription("record Authorization headers in full in GET /__emulator/requests (default: redacted)")
)

const errno = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined

const causeMessage = (cause: unknown): string => cause instanceof Error ? cause.message : String(cause)

/** The one line that says why the server did not start. */
const startFailure = (error: HttpServerError.ServeError, where: { readonly port: number; readonly host: string }) => {
  switch (errno(error.cause)) {
    case "EADDRINUSE":
      return new StartFailure({ message: `port ${where.port} is in use on ${where.host}; pick another with --port (0 picks a free one)` })
    case "EACCES":
      return new StartFailure({ message: `not allowed to listen on ${where.host}:${where.port}; try a port above 1023` })
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
      return new StartFailure({ message: `cannot listen on ${where.host}: this machine has no such address` })
    default:
      return new StartFailure({ message: `cannot start: ${causeMessage(error.cause)}` })
  }
}

const isLoopbackHost = (value: string) => value === "localhost" || value === "::1" || /^127\.\d+\.\d+\.\d+$/.test(value)

const serve = Command.make(
  "clerk-emulator",
  { port, host, secretKeys, noRateLimits, logAuthorization },
  (options) =>
    Effect.gen(function*() {
      yield* Console.log(`Clerk emulator listening on ${yield* ClerkEmulator.serverUrl}`)
      if (!isLoopbackHost(options.host)) {
        yield* Console.error(
          `clerk-emulator: bound to ${options.host}: the API answers other machines too; control endpoints answer loopback clients only`
        )
      }
      return yield* Effect.never
    }).pipe(
      Effect.provide(ClerkEmulator.layerServer({
        port: options.port,
        host: options.host,
        secretKeys: options.secretKeys.length > 0 ? options.secretKeys : undefined,
        rateLimits: options.noRateLimits ? false : undefined,
        logAuthorization: options.logAuthorization
      })),
      Effect.catchTag("ServeError", (error) => startFailure(error, options))
    )
)

const cli = Command.run(serve, { name: "clerk-emulator", version: "0.1.0" })

const ansi = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, "g")

/** Whether a stream may get ANSI codes: a terminal, and `NO_COLOR` unset or empty. */
const colors = (stream: NodeJS.WriteStream) => stream.isTTY === true && (process.env["NO_COLOR"] ?? "") === ""

const plain = (keep: boolean, write: (...args: ReadonlyArray<unknown>) => Effect.Effect<void>) =>
(...args: ReadonlyArray<unknown>) => write(...(keep ? args : args.map((arg) => typeof arg === "string" ? arg.replace(ansi, "") : arg)))

/** The default console, without ANSI codes on a stream that is not a terminal. */
const withPlainText = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.flatMap(Effect.console, (console) =>
    Effect.withConsole(effect, {
      ...console,
      log: plain(colors(process.stdout), console.log),
      error: plain(colors(process.stderr), console.error)
    }))

const fail = (code: number, line?: string) =>
  Effect.zipRight(
    line === undefined ? Effect.void : Console.error(`clerk-emulator: ${line}`),
    Effect.sync(() => {
      process.exitCode = code
    })
  )

const program = cli(process.argv).pipe(
  // @effect/cli has already printed a usage error (one line) on stderr
  Effect.catchAll((error) => ValidationError.isValidationError(error) ? fail(2) : fail(1, error.message)),
  Effect.catchAllDefect((defect) => fail(1, `unexpected failure: ${Cause.isRuntimeException(defect) ? defect.message : causeMessage(defect)}`)),
  withPlainText,
  Effect.provide(NodeContext.layer)
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
