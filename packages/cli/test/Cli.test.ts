import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { assert, it } from "@effect/vitest"
import { Effect } from "effect"
import { Cli } from "../src/index.js"

it.effect("--version prints the package version", () =>
  Effect.gen(function*() {
    const lines: Array<string> = []
    const log = console.log
    console.log = (...args: Array<unknown>) => void lines.push(args.join(" "))
    yield* Cli.run(["node", "effect-clerk", "--version"]).pipe(Effect.ensuring(Effect.sync(() => (console.log = log))))
    assert.include(lines.join("\n"), "0.1.0")
  }).pipe(Effect.provide(NodeContext.layer), Effect.provide(FetchHttpClient.layer)))
