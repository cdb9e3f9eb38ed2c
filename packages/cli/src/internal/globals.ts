/**
 * What every command shares: the global options, read once by the root command and handed to the
 * subcommands through `Globals`.
 *
 * The global options are accepted before the subcommand (`effect-clerk --json list`) and after it
 * (`effect-clerk list --json`): each subcommand spreads `options` into its own config and is wrapped
 * with `provide`, which merges its values over the root's (a flag given after the subcommand wins).
 */
import * as Options from "@effect/cli/Options"
import * as Config from "effect/Config"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"

/** Which standard streams are terminals; read from the process unless a test provides `Tty`. */
export interface TtyInfo {
  readonly stdin: boolean
  readonly stdout: boolean
  readonly stderr: boolean
}

/** The terminal facts of the process, a reference with the process's own as default so tests can set them. */
export class Tty extends Context.Reference<Tty>()("@effect-clerk/cli/Tty", {
  defaultValue: (): TtyInfo => ({
    stdin: process.stdin.isTTY === true,
    stdout: process.stdout.isTTY === true,
    stderr: process.stderr.isTTY === true
  })
}) {}

/** The global options, resolved (flags first, then environment). */
export interface Service {
  /** `--secret-key`, else `CLERK_SECRET_KEY`; never printed, never written to disk. */
  readonly secretKey: Option.Option<Redacted.Redacted<string>>
  /** `--api-url`, else `CLERK_API_URL`. */
  readonly apiUrl: Option.Option<string>
  /** `--json`: machine-readable output on stdout, errors as JSON lines on stderr. */
  readonly json: boolean
  /** Colors and bars only on a TTY, and never with `--no-color` or `NO_COLOR`. */
  readonly color: boolean
  /** `--verbose`: more detail on stderr. */
  readonly verbose: boolean
  /** Which standard streams are terminals (a table on a TTY stdout, a bar on a TTY stderr, a prompt on a TTY stdin). */
  readonly tty: TtyInfo
}

/** The tag of the resolved global options. */
export class Globals extends Context.Tag("@effect-clerk/cli/Globals")<Globals, Service>() {}

/** Defaults for tests: no key, no URL, human output without color, no terminal. */
export const defaults: Service = {
  secretKey: Option.none(),
  apiUrl: Option.none(),
  json: false,
  color: false,
  verbose: false,
  tty: { stdin: false, stdout: false, stderr: false }
}

/**
 * The global options as `@effect/cli` options: spread them into a command's config
 * (`Command.make("list", { ...Globals.options, limit })`) and wrap the command with `provide`.
 */
export const options = {
  secretKey: Options.redacted("secret-key").pipe(
    Options.withDescription("the instance's secret key (default: CLERK_SECRET_KEY); never printed"),
    Options.optional
  ),
  apiUrl: Options.text("api-url").pipe(
    Options.withDescription("the Backend API's origin (default: CLERK_API_URL, else https://api.clerk.com)"),
    Options.optional
  ),
  json: Options.boolean("json").pipe(Options.withDescription("machine-readable output: one JSON document on stdout, errors as JSON on stderr")),
  noColor: Options.boolean("no-color").pipe(Options.withDescription("no colors (also NO_COLOR, or when the output is not a terminal)")),
  verbose: Options.boolean("verbose").pipe(Options.withDescription("more detail on stderr"))
}

/** The parsed values of `options`. */
export interface Parsed {
  /** Absent from a command that gives `--secret-key` another meaning (`emulator`). */
  readonly secretKey?: Option.Option<Redacted.Redacted<string>>
  readonly apiUrl: Option.Option<string>
  readonly json: boolean
  readonly noColor: boolean
  readonly verbose: boolean
}

const nonEmpty = (s: string) => s.trim().length > 0

/**
 * Resolves the root's parsed options: flags, then `CLERK_SECRET_KEY`/`CLERK_API_URL`/`NO_COLOR`
 * from the environment (an empty value counts as unset), and the terminal facts from `Tty`.
 */
export const resolve = (parsed: Parsed): Effect.Effect<Service> =>
  Effect.gen(function*() {
    const tty = yield* Tty
    const envKey = yield* Config.option(Config.redacted("CLERK_SECRET_KEY")).pipe(Effect.orElseSucceed(() => Option.none()))
    const envUrl = yield* Config.option(Config.string("CLERK_API_URL")).pipe(
      Effect.map(Option.filter(nonEmpty)),
      Effect.orElseSucceed(() => Option.none<string>())
    )
    const noColorEnv = yield* Config.option(Config.string("NO_COLOR")).pipe(
      Effect.map((value) => Option.isSome(value) && value.value.length > 0),
      Effect.orElseSucceed(() => false)
    )
    return {
      secretKey: Option.orElse(parsed.secretKey ?? Option.none(), () => envKey),
      apiUrl: Option.orElse(Option.filter(parsed.apiUrl, nonEmpty), () => envUrl),
      json: parsed.json,
      color: !parsed.noColor && !noColorEnv && tty.stdout && tty.stderr,
      verbose: parsed.verbose,
      tty
    }
  })

/** Merges a subcommand's global options over the root's resolved ones: a flag given after the subcommand wins. */
export const merge = (root: Service, parsed: Parsed): Service => ({
  ...root,
  secretKey: Option.orElse(parsed.secretKey ?? Option.none(), () => root.secretKey),
  apiUrl: Option.orElse(Option.filter(parsed.apiUrl, nonEmpty), () => root.apiUrl),
  json: root.json || parsed.json,
  color: root.color && !parsed.noColor,
  verbose: root.verbose || parsed.verbose
})
