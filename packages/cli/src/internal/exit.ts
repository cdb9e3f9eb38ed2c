/**
 * How a command ends, when it does not end with success: the process exit code and the one line
 * that says why. Commands fail with `Exit`; only the bin turns it into `process.exitCode`.
 *
 * - 1: some rows or calls failed (the summary says which)
 * - 2: usage or validation error; the message says what to fix
 * - 130: interrupted (Ctrl-C)
 */
import * as Data from "effect/Data"

/** The exit codes the command line uses besides 0. */
export type Code = 1 | 2 | 130

/**
 * A command's end other than success: its exit code and a readable line for stderr, without the
 * `error: ` prefix (empty when already printed).
 */
export class Exit extends Data.TaggedError("Exit")<{
  readonly code: Code
  readonly message: string
  /** The `_tag` of the library error that ended the command, if one did (printed with `--json`). */
  readonly tag?: string
  /** Clerk's trace id of that error, if it had one. */
  readonly traceId?: string
}> {}

/** Usage or validation error (exit 2). */
export const usage = (message: string): Exit => new Exit({ code: 2, message })

/** Some rows or calls failed (exit 1). */
export const partial = (message: string): Exit => new Exit({ code: 1, message })

/** Interrupted by the user (exit 130). */
export const interrupted = (message: string): Exit => new Exit({ code: 130, message })
