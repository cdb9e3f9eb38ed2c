/**
 * Standard input as a stream of lines, a reference whose default reads the process's stdin so
 * tests can provide their own lines.
 */
import * as NodeStream from "@effect/platform-node/NodeStream"
import * as Context from "effect/Context"
import * as Stream from "effect/Stream"
import type { Exit } from "./exit.js"
import { partial } from "./exit.js"

/** The lines of standard input, read lazily (a failure to read ends the command with exit 1). */
export class Stdin extends Context.Reference<Stdin>()("@effect-clerk/cli/Stdin", {
  defaultValue: (): Stream.Stream<string, Exit> =>
    NodeStream.fromReadable<Exit, Uint8Array>(
      () => process.stdin,
      (cause) => partial(`could not read standard input: ${cause instanceof Error ? cause.message : String(cause)}`),
      { closeOnDone: false }
    ).pipe(Stream.decodeText(), Stream.splitLines)
}) {}
