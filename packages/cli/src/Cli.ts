/**
 * The `effect-clerk` command: its `@effect/cli` definition and a runner, to embed in another
 * program or to call in-process from tests.
 *
 * @since 0.1.0
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"

/**
 * The root command; its subcommands come in the following commits.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("effect-clerk", {}, () => Console.error("effect-clerk: a command is required (see --help)"))

/**
 * Runs the command over `argv` (`process.argv`, program name included).
 *
 * @since 0.1.0
 * @category running
 */
export const run = Command.run(command, { name: "effect-clerk", version: "0.1.0" })
