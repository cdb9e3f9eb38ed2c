/**
 * The per-attempt timer under the live clock (internal/fast.ts): what `Effect.timeoutFail` does,
 * with one fork and a plain timer. Under a TestClock it is `Effect.timeoutFail` itself, which the
 * retry specs drive; these run on the live clock with short durations on purpose.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import { timeoutFail } from "../src/internal/fast.js"

const onTimeout = () => "timed out" as const

describe("timeoutFail on the live clock", () => {
  it.live("a value in time passes through", () =>
    Effect.gen(function*() {
      const value = yield* timeoutFail(Effect.as(Effect.sleep("5 millis"), 42), Duration.seconds(5), onTimeout)
      assert.strictEqual(value, 42)
    }))

  it.live("a typed failure in time passes through as that failure", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(timeoutFail(Effect.fail("boom" as const), Duration.seconds(5), onTimeout))
      assert.strictEqual(error, "boom")
    }))

  it.live("a defect stays a defect", () =>
    Effect.gen(function*() {
      const exit = yield* Effect.exit(timeoutFail(Effect.die(new Error("bug")), Duration.seconds(5), onTimeout))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
    }))

  it.live("too slow: fails with onTimeout() after the inner effect was interrupted", () =>
    Effect.gen(function*() {
      const finalized = yield* Ref.make(false)
      const slow = Effect.never.pipe(Effect.onInterrupt(() => Ref.set(finalized, true)))
      const error = yield* Effect.flip(timeoutFail(slow, Duration.millis(20), onTimeout))
      assert.strictEqual(error, "timed out")
      assert.isTrue(yield* Ref.get(finalized), "the inner effect was interrupted before the failure")
    }))

  it.live("interrupting the caller interrupts the inner effect and clears the timer", () =>
    Effect.gen(function*() {
      const started = yield* Deferred.make<void>()
      const finalized = yield* Ref.make(false)
      const inner = Deferred.succeed(started, undefined).pipe(
        Effect.zipRight(Effect.never),
        Effect.onInterrupt(() => Ref.set(finalized, true))
      )
      const fiber = yield* Effect.fork(timeoutFail(inner, Duration.seconds(5), onTimeout))
      yield* Deferred.await(started)
      const exit = yield* Fiber.interrupt(fiber)
      assert.isTrue(Exit.isInterrupted(exit))
      assert.isTrue(yield* Ref.get(finalized))
    }))

  it.live("many calls in a row each get their own result", () =>
    Effect.gen(function*() {
      const results = yield* Effect.forEach(
        Array.from({ length: 200 }, (_, i) => i),
        (i) => timeoutFail(i % 3 === 0 ? Effect.fail(i) : Effect.succeed(i), Duration.seconds(5), onTimeout).pipe(Effect.either),
        { concurrency: 16 }
      )
      results.forEach((result, i) => {
        assert.deepStrictEqual(result._tag === "Left" ? ["fail", result.left] : ["ok", result.right], [i % 3 === 0 ? "fail" : "ok", i])
      })
    }))
})
