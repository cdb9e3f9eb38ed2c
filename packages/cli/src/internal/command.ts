/**
 * What every subcommand is wrapped in: the global options given after it merged over the root's
 * into `Globals`, and any typed error of the library that ends it turned into one `Exit` line.
 */
import * as Command from "@effect/cli/Command"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { isLibraryError, render, toExit } from "./errors.js"
import { Exit } from "./exit.js"
import type { Parsed } from "./globals.js"
import { Globals, merge } from "./globals.js"

/**
 * Wraps a subcommand whose config spreads `Globals.options`: its handler sees the merged
 * `Globals`; a library error it fails with becomes an `Exit` (exit 1, or 2 for `InvalidRequest`),
 * and an `Exit` with a message is printed here as one line on stderr (JSON with `--json`, which
 * only this wrapper knows of) and passed on with an empty message. Apply it after `Command.provide`, so
 * the provided layers see the merged globals too.
 */
export const subcommand = <Name extends string, R, E, A extends Parsed>(
  self: Command.Command<Name, R, E, A>
) =>
  Command.transformHandler(self, (effect, config) =>
    Effect.flatMap(Globals, (root) => {
      const globals = merge(root, config)
      return effect.pipe(
        Effect.mapError((error) => (isLibraryError(error) ? toExit(error) : error)),
        Effect.catchIf(
          (error): error is Exit => error instanceof Exit && error.message.length > 0,
          (exit) => Effect.zipRight(Console.error(render(exit, globals.json)), Effect.fail(new Exit({ code: exit.code, message: "" })))
        ),
        Effect.provideService(Globals, globals)
      )
    }))
