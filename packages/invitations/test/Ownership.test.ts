/**
 * What lets a reconciling call tell its own invitation from another's (internal/ownership.ts):
 * calls on one key run side by side, a lookup waits until no other call on its keys is in flight,
 * and lookups run one at a time; two lookups never wait on each other.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import { Ownership } from "../src/internal/ownership.js"

describe("Ownership", () => {
  it.effect("calls on one key run side by side", () =>
    Effect.gen(function*() {
      const ownership = new Ownership()
      const running = yield* Ref.make(0)
      const most = yield* Ref.make(0)
      const gate = yield* Deferred.make<void>()
      const call = Effect.gen(function*() {
        const now = yield* Ref.updateAndGet(running, (n) => n + 1)
        yield* Ref.update(most, (m) => Math.max(m, now))
        yield* Deferred.await(gate)
        yield* Ref.update(running, (n) => n - 1)
      }).pipe(ownership.track(["ada@example.com"]))
      const fibers = yield* Effect.forEach(Array.from({ length: 8 }), () => Effect.fork(call))
      yield* Effect.yieldNow()
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.joinAll(fibers)
      assert.strictEqual(yield* Ref.get(most), 8)
    }))

  it.effect("a lookup waits until the other calls on its key have ended, then runs", () =>
    Effect.gen(function*() {
      const ownership = new Ownership()
      const log = yield* Ref.make<ReadonlyArray<string>>([])
      const say = (line: string) => Ref.update(log, (lines) => [...lines, line])
      const release = yield* Deferred.make<void>()
      const other = yield* Effect.fork(Effect.zipRight(Deferred.await(release), say("other ended")).pipe(ownership.track(["k"])))
      yield* Effect.yieldNow()
      const reconciling = yield* Effect.fork(
        ownership.lookup(["k"], say("looked up")).pipe(ownership.track(["k"]))
      )
      yield* Effect.yieldNow()
      assert.deepStrictEqual(yield* Ref.get(log), [])
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(other)
      yield* Fiber.join(reconciling)
      assert.deepStrictEqual(yield* Ref.get(log), ["other ended", "looked up"])
    }))

  it.effect("two calls that look up the same key do not wait on each other; their lookups take turns", () =>
    Effect.gen(function*() {
      const ownership = new Ownership()
      const inside = yield* Ref.make(0)
      const most = yield* Ref.make(0)
      const lookup = Effect.gen(function*() {
        yield* Ref.update(most, (m) => m) // a step, so that another fiber could run
        const now = yield* Ref.updateAndGet(inside, (n) => n + 1)
        yield* Ref.update(most, (m) => Math.max(m, now))
        yield* Effect.yieldNow()
        yield* Ref.update(inside, (n) => n - 1)
      })
      const call = ownership.lookup(["k"], lookup).pipe(ownership.track(["k"]))
      yield* Effect.all([call, call, call], { concurrency: "unbounded" })
      assert.strictEqual(yield* Ref.get(most), 1)
    }))

  it.effect("a claim holds past the retention while a call that started before it still runs", () =>
    Effect.gen(function*() {
      const ownership = new Ownership()
      const release = yield* Deferred.make<void>()
      // A call that may still look up after retries that take longer than the retention.
      const earlier = yield* Effect.fork(Deferred.await(release).pipe(ownership.track(["k"])))
      yield* Effect.yieldNow()
      ownership.claim("k", "inv_1", 0)
      const later = yield* Effect.fork(Deferred.await(release).pipe(ownership.track(["k"])))
      const elsewhere = yield* Effect.fork(Deferred.await(release).pipe(ownership.track(["other"])))
      yield* Effect.yieldNow()
      assert.isTrue(ownership.claimed("k", "inv_1", 61_000), "the earlier call still runs")
      assert.isFalse(ownership.claimed("k", "inv_2", 61_000))
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.joinAll([earlier, later, elsewhere])
      assert.isFalse(ownership.claimed("k", "inv_1", 61_000), "no call from before the claim runs any more")
    }))

  it.effect("calls that start after a claim, or on other keys, do not hold it past the retention", () =>
    Effect.gen(function*() {
      const ownership = new Ownership()
      const release = yield* Deferred.make<void>()
      const before = yield* Effect.fork(Deferred.await(release).pipe(ownership.track(["other"])))
      yield* Effect.yieldNow()
      ownership.claim("k", "inv_1", 0)
      const after = yield* Effect.fork(Deferred.await(release).pipe(ownership.track(["k"])))
      yield* Effect.yieldNow()
      assert.isTrue(ownership.claimed("k", "inv_1", 60_000))
      assert.isFalse(ownership.claimed("k", "inv_1", 60_001))
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.joinAll([before, after])
    }))

  it.effect("a claim is seen by another call within the retention, and not past it", () =>
    Effect.sync(() => {
      const ownership = new Ownership()
      ownership.claim("k", "inv_1", 0)
      assert.isTrue(ownership.claimed("k", "inv_1", 59_000))
      assert.isFalse(ownership.claimed("k", "inv_2", 59_000))
      assert.isFalse(ownership.claimed("k", "inv_1", 61_000))
    }))
})
