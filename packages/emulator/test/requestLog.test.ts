/** The request log keeps the most recent `requestLogSize` requests, in arrival order. */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { control, get, withEmulator } from "./utils.js"

/** Sends `count` lists tagged `n=<from + i>`. */
const lists = (count: number, from = 0) =>
  Effect.forEach(Array.from({ length: count }, (_, i) => from + i), (n) => get("/invitations", [["n", String(n)]]), {
    discard: true
  })

/** The `n` tags of the kept requests, in the order `requests` lists them. */
const kept = Effect.map(
  Effect.flatMap(control, (emulator) => emulator.requests),
  (requests) => requests.map((r) => Number(r.urlParams.find(([name]) => name === "n")?.[1]))
)

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i)

describe("request log", () => {
  it.effect("keeps the last requestLogSize requests, oldest first", () =>
    Effect.gen(function*() {
      yield* lists(3)
      assert.deepStrictEqual(yield* kept, [0, 1, 2])
      yield* lists(9, 3)
      assert.deepStrictEqual(yield* kept, [7, 8, 9, 10, 11])
      yield* lists(1, 12)
      assert.deepStrictEqual(yield* kept, [8, 9, 10, 11, 12])
    }).pipe(withEmulator({ requestLogSize: 5 })))

  it.effect("keeps 1,000 by default", () =>
    Effect.gen(function*() {
      yield* lists(1_003)
      assert.deepStrictEqual(yield* kept, range(3, 1_003))
    }).pipe(withEmulator()), 120_000)

  it.effect("0 keeps none", () =>
    Effect.gen(function*() {
      yield* lists(4)
      assert.deepStrictEqual(yield* kept, [])
    }).pipe(withEmulator({ requestLogSize: 0 })))

  it.effect("Infinity keeps all", () =>
    Effect.gen(function*() {
      yield* lists(1_005)
      assert.deepStrictEqual(yield* kept, range(0, 1_005))
    }).pipe(withEmulator({ requestLogSize: Infinity })), 120_000)

  it.effect("reset empties the log; it fills again in order", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* lists(5)
      yield* emulator.reset
      assert.deepStrictEqual(yield* kept, [])
      yield* lists(2, 10)
      assert.deepStrictEqual(yield* kept, [10, 11])
      yield* lists(3, 12)
      assert.deepStrictEqual(yield* kept, [12, 13, 14])
    }).pipe(withEmulator({ requestLogSize: 3 })))
})
