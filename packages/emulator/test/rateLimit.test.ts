import { HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { base, code, errors, get, post, send, withEmulator } from "./utils.js"

const create = (i: number) => post("/invitations", { email_address: `u${i}@example.com` })

describe("rate limits", () => {
  it.effect("the 101st create in an hour is 429 with Retry-After; the slot frees as the window slides", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 100; i++) {
        assert.strictEqual((yield* create(i)).status, 200)
        yield* TestClock.adjust("10 seconds")
      }
      // now = 1000 s; the first use (t = 0) leaves the window at 3600 s
      const blocked = yield* create(100)
      assert.strictEqual(blocked.status, 429)
      assert.strictEqual(blocked.headers["retry-after"], "2600")
      assert.deepStrictEqual(errors(blocked), [{
        message: "Too many requests",
        long_message: "Too many requests, retry later",
        code: "too_many_requests"
      }])
      yield* TestClock.adjust("2599 seconds")
      assert.strictEqual((yield* create(101)).headers["retry-after"], "1")
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* create(102)).status, 200)
      // the next slot frees when the second use (t = 10 s) leaves the window
      assert.strictEqual((yield* create(103)).headers["retry-after"], "10")
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* create(104)).status, 200)
    }).pipe(withEmulator()))

  it.effect("bulk allows 25 calls an hour, separately from create; list is not limited", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 25; i++) {
        assert.strictEqual((yield* post("/invitations/bulk", [{ email_address: `b${i}@example.com` }])).status, 200)
      }
      const blocked = yield* post("/invitations/bulk", [{ email_address: "late@example.com" }])
      assert.deepStrictEqual([blocked.status, blocked.headers["retry-after"]], [429, "3600"])
      assert.strictEqual((yield* create(0)).status, 200)
      for (let i = 0; i < 120; i++) assert.strictEqual((yield* get("/invitations")).status, 200)
    }).pipe(withEmulator()))

  it.effect("quotas are per secret key; invalid requests count, 429s and 401s do not", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* post("/invitations", { email_address: "nope" })).status, 422)
      assert.strictEqual((yield* create(1)).status, 200)
      assert.strictEqual((yield* create(2)).status, 429)
      assert.strictEqual((yield* create(3)).status, 429)
      const other = yield* send(HttpClientRequest.post(`${base}/invitations`).pipe(
        HttpClientRequest.bodyUnsafeJson({ email_address: "other@example.com" }),
        HttpClientRequest.bearerToken("sk_test_other")
      ))
      assert.strictEqual(other.status, 200)
      const unauthorized = yield* send(HttpClientRequest.post(`${base}/invitations`).pipe(
        HttpClientRequest.bodyUnsafeJson({ email_address: "x@example.com" }),
        HttpClientRequest.bearerToken("sk_test_unknown")
      ))
      assert.strictEqual(code(unauthorized), "clerk_key_invalid")
      yield* TestClock.adjust("1 hour")
      assert.strictEqual((yield* create(4)).status, 200)
    }).pipe(withEmulator({ secretKeys: ["sk_test_emulator", "sk_test_other"], rateLimits: { create: 2 } })))

  it.effect("rateLimits: false turns quotas off; window is configurable", () =>
    Effect.gen(function*() {
      for (let i = 0; i < 110; i++) assert.strictEqual((yield* create(i)).status, 200)
    }).pipe(withEmulator({ rateLimits: false })))

  it.effect("a custom window", () =>
    Effect.gen(function*() {
      assert.strictEqual((yield* create(1)).status, 200)
      const blocked = yield* create(2)
      assert.deepStrictEqual([blocked.status, blocked.headers["retry-after"]], [429, "60"])
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* create(3)).status, 200)
    }).pipe(withEmulator({ rateLimits: { create: 1, window: "1 minute" } })))
})
