/** The request log keeps the most recent `requestLogSize` requests, in arrival order. */
import { assert, describe, it } from "@effect/vitest"
import { HttpClientRequest } from "@effect/platform"
import { Effect } from "effect"
import { auth, base, control, get, send, withEmulator } from "./utils.js"

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

  it.effect("redacts Authorization by default: scheme, key prefix and a hash that tells keys apart", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      const list = (key: string) => send(HttpClientRequest.get(`${base}/invitations`).pipe(auth(key)))
      yield* list("sk_test_emulator")
      yield* list("sk_test_emulator")
      yield* list("sk_live_other")
      yield* send(HttpClientRequest.get(`${base}/invitations`).pipe(HttpClientRequest.setHeader("authorization", "not-a-bearer")))
      const [first, second, other, odd] = (yield* emulator.requests).map((r) => String(r.headers["authorization"]))
      assert.match(String(first), /^Bearer sk_test_…\(redacted [0-9a-f]{8}\)$/)
      assert.strictEqual(first, second)
      assert.match(String(other), /^Bearer sk_live_…\(redacted [0-9a-f]{8}\)$/)
      assert.notStrictEqual(first?.slice(-9), other?.slice(-9))
      assert.match(String(odd), /^…\(redacted [0-9a-f]{8}\)$/)
      const everything = JSON.stringify(yield* emulator.requests)
      for (const secret of ["sk_test_emulator", "sk_live_other", "not-a-bearer"]) assert.notInclude(everything, secret)
    }).pipe(withEmulator({ secretKeys: ["sk_test_emulator", "sk_live_other"] })))

  it.effect("logAuthorization: true records the header in full", () =>
    Effect.gen(function*() {
      yield* get("/invitations")
      const [request] = yield* Effect.flatMap(control, (emulator) => emulator.requests)
      assert.strictEqual(request?.headers["authorization"], "Bearer sk_test_emulator")
    }).pipe(withEmulator({ logAuthorization: true })))
})
