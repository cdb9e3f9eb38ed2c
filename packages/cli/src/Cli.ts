/**
 * The `effect-clerk` command: its `@effect/cli` definition, a runner, and `main`, which turns a
 * run into an exit code and one line per error, to embed in another program or to call in-process
 * from tests.
 *
 * The commands need an `HttpClient.HttpClient` and take it from the caller: the bin provides
 * fetch, tests provide the in-process emulator (`ClerkEmulator.layer()`).
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as ValidationError from "@effect/cli/ValidationError"
import type * as CliApp from "@effect/cli/CliApp"
import * as FileSystem from "@effect/platform/FileSystem"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Cause from "effect/Cause"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { fileURLToPath } from "node:url"
import * as Create from "./commands/create.js"
import * as Emulator from "./commands/emulator.js"
import * as Import from "./commands/import.js"
import * as List from "./commands/list.js"
import * as Revoke from "./commands/revoke.js"
import { withoutColor } from "./internal/console.js"
import { isLibraryError, toExit } from "./internal/errors.js"
import { Exit, usage } from "./internal/exit.js"
import * as Globals from "./internal/globals.js"

const root = Command.make("effect-clerk", Globals.options, () =>
  Effect.fail(usage("a command is required: create, list, revoke, import or emulator (see effect-clerk --help)")))

/**
 * The root command: the global options, then one subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = root.pipe(
  Command.withDescription("Invite people to a Clerk application: create, list, revoke, import; emulator to try it all."),
  Command.withSubcommands([Create.command, List.command, Revoke.command, Import.command, Emulator.command]),
  Command.provideEffect(Globals.Globals, (parsed) => Globals.resolve(parsed))
)

const PackageJson = Schema.parseJson(Schema.Struct({ version: Schema.String }))

/**
 * The package's version, read from its `package.json` at run time (one directory above this
 * module, in `src/` as in `dist/`), so it cannot drift from what was published.
 *
 * @since 0.1.0
 * @category running
 */
export const version: Effect.Effect<string, never, FileSystem.FileSystem> = Effect.gen(function*() {
  const fs = yield* FileSystem.FileSystem
  const text = yield* fs.readFileString(fileURLToPath(new URL("../package.json", import.meta.url)))
  return (yield* Schema.decode(PackageJson)(text)).version
}).pipe(Effect.orElseSucceed(() => "unknown"))

// Color is decided before the options are parsed (help and usage errors print first): off with
// --no-color anywhere in the arguments, NO_COLOR, or a stream that is not a terminal.
const colorless = (args: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const tty = yield* Globals.Tty
    const noColorEnv = yield* Config.option(Config.string("NO_COLOR")).pipe(
      Effect.map((value) => Option.isSome(value) && value.value.length > 0),
      Effect.orElseSucceed(() => false)
    )
    const off = noColorEnv || args.includes("--no-color")
    return { stdout: off || !tty.stdout, stderr: off || !tty.stderr }
  })

/**
 * Runs the command over `argv` (`process.argv`, program name included). Fails with `Exit` (its
 * line already printed, or to print) or with a `ValidationError` (already printed by `@effect/cli`).
 *
 * @since 0.1.0
 * @category running
 */
export const run = (
  argv: ReadonlyArray<string>
): Effect.Effect<void, Exit | ValidationError.ValidationError, CliApp.CliApp.Environment | HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const streams = yield* colorless(argv)
    const console = yield* Effect.console
    const cli = Command.run(command, { name: "effect-clerk", version: yield* version })
    return yield* Effect.withConsole(cli(argv), withoutColor(console, streams)).pipe(
      // Each subcommand already turns these into `Exit`; this only tells the types so.
      Effect.mapError((error) => (isLibraryError(error) ? toExit(error) : error))
    )
  })

const describe = (u: unknown): string => (u instanceof Error ? u.message : String(u))

/**
 * Runs the command and returns its exit code: 0 success; 1 some rows or calls failed; 2 usage or
 * validation error; 130 interrupted. Prints one line on stderr for a failure not yet printed, and
 * never a stack trace (`--verbose` adds the cause of an unexpected failure).
 *
 * @since 0.1.0
 * @category running
 */
export const main = (
  argv: ReadonlyArray<string>
): Effect.Effect<number, never, CliApp.CliApp.Environment | HttpClient.HttpClient> =>
  run(argv).pipe(
    Effect.as(0),
    Effect.catchAll((error) =>
      error instanceof Exit
        ? Effect.as(error.message.length > 0 ? Console.error(`error: ${error.message}`) : Effect.void, error.code)
        : ValidationError.isValidationError(error)
        ? Effect.succeed(2)
        : Effect.succeed(1)
    ),
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.interrupt
        : Effect.as(
          Console.error(
            argv.includes("--verbose")
              ? `error: unexpected failure: ${Cause.pretty(cause)}`
              : `error: unexpected failure: ${describe(Cause.squash(cause))} (run with --verbose for details)`
          ),
          1
        )
    )
  )
