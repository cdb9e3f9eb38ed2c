/**
 * A console that writes no ANSI escape codes where color is off: `@effect/cli` renders help,
 * usage errors and `--version` with styles, which must not reach a pipe or a `NO_COLOR` terminal.
 */
import type * as Console from "effect/Console"
import { stripVTControlCharacters } from "node:util"

const strip = (args: ReadonlyArray<unknown>): Array<unknown> =>
  args.map((arg) => (typeof arg === "string" ? stripVTControlCharacters(arg) : arg))

/** `console` with escape codes removed from what `log` (stdout) and/or `error` (stderr) print. */
export const withoutColor = (
  console: Console.Console,
  streams: { readonly stdout: boolean; readonly stderr: boolean }
): Console.Console => ({
  ...console,
  log: streams.stdout ? (...args) => console.log(...strip(args)) : console.log,
  error: streams.stderr ? (...args) => console.error(...strip(args)) : console.error,
  unsafe: {
    ...console.unsafe,
    log: streams.stdout ? (...args) => console.unsafe.log(...strip(args)) : console.unsafe.log,
    error: streams.stderr ? (...args) => console.unsafe.error(...strip(args)) : console.unsafe.error
  }
})
