/**
 * What every command shares: the global options, read once by the root command and handed to the
 * subcommands through `Globals`.
 */
import * as Context from "effect/Context"
import * as Option from "effect/Option"
import type * as Redacted from "effect/Redacted"

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
}

/** The tag of the resolved global options. */
export class Globals extends Context.Tag("@effect-clerk/cli/Globals")<Globals, Service>() {}

/** Defaults for tests: no key, no URL, human output without color. */
export const defaults: Service = {
  secretKey: Option.none(),
  apiUrl: Option.none(),
  json: false,
  color: false,
  verbose: false
}
