/**
 * Helpers of the import tests: the command run in process over the emulator layer, stdout and
 * stderr captured, a scratch directory per test.
 */
import * as Command from "@effect/cli/Command"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { ClerkEmulator } from "@effect-clerk/emulator"
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import { command } from "../src/commands/import.js"
import type { Exit } from "../src/internal/exit.js"
import * as Globals from "../src/internal/globals.js"
import { Stop } from "../src/internal/import/stop.js"

export const stack = (emulator: ClerkEmulator.Options = {}, globals: Partial<Globals.Service> = {}) =>
  Layer.mergeAll(
    Invitations.layer.pipe(
      Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(ClerkEmulator.defaultSecretKey) })),
      Layer.provideMerge(ClerkEmulator.layer(emulator))
    ),
    Layer.succeed(Globals.Globals, { ...Globals.defaults, ...globals }),
    NodeContext.layer
  )

/** A fresh scratch directory. */
export const scratch = (): string => NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), "effect-clerk-import-"))

export interface Output {
  readonly stdout: string
  readonly stderr: string
  /** The exit code the bin would give: 0, or the code of the `Exit` the command failed with. */
  readonly code: number
  readonly error: Exit | undefined
}

const cli = Command.run(command, { name: "effect-clerk", version: "0.1.0" })

/**
 * Runs `effect-clerk import ...args` in process; moves the TestClock a `step` at a time while it
 * runs (quota waits), at most `maxSteps` times. `stop`, when given, stands for Ctrl-C.
 */
export const runImport = (
  args: ReadonlyArray<string>,
  options: { readonly step?: Duration.DurationInput; readonly maxSteps?: number; readonly stop?: Deferred.Deferred<void> } = {}
) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const base = yield* Effect.console
    const capture: Console.Console = {
      ...base,
      log: (...parts) => Effect.sync(() => void out.push(parts.map(String).join(" "))),
      error: (...parts) => Effect.sync(() => void err.push(parts.map(String).join(" ")))
    }
    const stop = options.stop ?? (yield* Deferred.make<void>())
    const fiber = yield* cli(["node", "effect-clerk", ...args]).pipe(
      Effect.withConsole(capture),
      Effect.provideService(Stop, stop),
      Effect.either,
      Effect.fork
    )
    let steps = 0
    const maxSteps = options.maxSteps ?? 2_000
    while (Option.isNone(yield* Fiber.poll(fiber))) {
      yield* TestClock.adjust(options.step ?? "1 minute")
      if (++steps > maxSteps) {
        yield* Fiber.interrupt(fiber)
        return yield* Effect.dieMessage(`the import did not finish in ${maxSteps} steps`)
      }
    }
    const result = yield* Fiber.join(fiber)
    const error = result._tag === "Left" && result.left._tag === "Exit" ? result.left : undefined
    if (result._tag === "Left" && error === undefined) return yield* Effect.fail(result.left)
    const output: Output = { stdout: out.join("\n"), stderr: err.join("\n"), code: error?.code ?? 0, error }
    return output
  })

/** The outcomes in a run journal, in order. */
export const journalOf = (runsDir: string): ReadonlyArray<{ line: number; email: string; outcome: string; reason?: string }> => {
  const runs = NodeFs.readdirSync(runsDir).filter((name) => !name.startsWith("."))
  return runs.flatMap((run) => {
    const file = NodePath.join(runsDir, run, "outcomes.ndjson")
    return NodeFs.existsSync(file)
      ? NodeFs.readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l))
      : []
  })
}

/** Invitations stored by the emulator (not revoked), per address. */
export const storedCounts = (emulator: ClerkEmulator.Service) =>
  Effect.map(emulator.invitations, (all) => {
    const byEmail = new Map<string, number>()
    for (const invitation of all) {
      if (invitation.status === "revoked") continue
      const key = invitation.email_address.toLowerCase()
      byEmail.set(key, (byEmail.get(key) ?? 0) + 1)
    }
    return { distinct: byEmail.size, doubled: [...byEmail.values()].filter((n) => n > 1).length }
  })

/** Requests the emulator received, by method. */
export const methods = (emulator: ClerkEmulator.Service) =>
  Effect.map(emulator.requests, (requests) => requests.map((r) => r.method))

export const csv = (n: number, prefix = "user") =>
  ["email,name", ...Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com,Person ${i}`)].join("\n") + "\n"

export { Chunk }
