/** Running the command line in process: captured stdout and stderr, a chosen environment, terminal and stdin. */
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import * as Terminal from "@effect/platform/Terminal"
import type * as HttpClient from "@effect/platform/HttpClient"
import { ConfigProvider, Effect, Layer, Stream } from "effect"
import { Cli } from "../src/index.js"
import * as Globals from "../src/internal/globals.js"
import { Stdin } from "../src/internal/stdin.js"

/** The secret key the in-process emulator accepts by default. */
export const secret = "sk_test_emulator"

/** What a run printed and how it ended. */
export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly stdoutLines: ReadonlyArray<string>
  readonly stderrLines: ReadonlyArray<string>
}

/** How to run: environment variables (none by default but the key), terminal facts, stdin lines. */
export interface RunOptions {
  readonly env?: Record<string, string>
  readonly tty?: Partial<Globals.TtyInfo>
  readonly stdin?: ReadonlyArray<string>
  /** What the user types at a prompt; without it, reading a line quits (as Ctrl-D would). */
  readonly answer?: string
}

// A terminal that answers a prompt with `answer` and never touches the real stdin.
const terminal = (answer: string | undefined) =>
  Layer.succeed(Terminal.Terminal, {
    columns: Effect.succeed(80),
    rows: Effect.succeed(24),
    isTTY: Effect.succeed(false),
    readInput: Effect.die("no keyboard in tests"),
    readLine: answer === undefined ? Effect.fail(new Terminal.QuitException()) : Effect.succeed(answer),
    display: () => Effect.void
  })

const format = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")

/** Runs `effect-clerk <args>` through `Cli.main` over the HttpClient in context (the emulator's, in tests). */
export const cli = (args: ReadonlyArray<string>, options: RunOptions = {}) =>
  Effect.gen(function*() {
    const out: Array<string> = []
    const err: Array<string> = []
    const base = yield* Effect.console
    const console = {
      ...base,
      log: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void out.push(format(a))),
      error: (...a: ReadonlyArray<unknown>) => Effect.sync(() => void err.push(format(a))),
      unsafe: {
        ...base.unsafe,
        log: (...a: ReadonlyArray<unknown>) => void out.push(format(a)),
        error: (...a: ReadonlyArray<unknown>) => void err.push(format(a))
      }
    }
    const env = options.env ?? { CLERK_SECRET_KEY: secret }
    const code = yield* Cli.main(["node", "effect-clerk", ...args]).pipe(
      Effect.withConsole(console),
      Effect.withConfigProvider(ConfigProvider.fromMap(new Map(Object.entries(env)))),
      Effect.provideService(Globals.Tty, { stdin: false, stdout: false, stderr: false, ...options.tty }),
      Effect.provideService(Stdin, Stream.fromIterable(options.stdin ?? [])),
      Effect.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer, terminal(options.answer)))
    )
    const stdout = out.join("\n")
    const stderr = err.join("\n")
    const lines = (text: string) => text.split("\n").filter((line) => line.length > 0)
    return { code, stdout, stderr, stdoutLines: lines(stdout), stderrLines: lines(stderr) } satisfies Ran
  })

/** The type of what `cli` needs besides the test services: an HttpClient. */
export type Needs = HttpClient.HttpClient
