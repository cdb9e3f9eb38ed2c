/**
 * A cheaper equivalent of an Effect combinator on the path every request takes.
 *
 * `timeoutFail`: `Effect.timeoutFail` races the effect against a sleep in two forked fibers and
 *   joins the winner's `FiberRef`s back; with the live clock this one forks only the effect and
 *   arms a plain timer (several times cheaper per call). Under any other clock (a `TestClock` in
 *   specs) it is `Effect.timeoutFail` itself, so virtual time still drives it.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import type * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as FiberId from "effect/FiberId"

let liveClock: Clock.Clock | undefined
/** Whether `clock` is Effect's live clock (not a `TestClock`), whose time a plain timer keeps. @internal */
export const isLive = (clock: Clock.Clock): boolean => clock === (liveClock ??= Effect.runSync(Effect.clock))

/** Whether `millis` can be a plain timer's delay: finite, and within what `setTimeout` takes. @internal */
export const isTimerDelay = (millis: number): boolean => Number.isFinite(millis) && millis >= 0 && millis <= 2 ** 31 - 1

/**
 * Fails with `onTimeout()` when `self` takes longer than `duration`, interrupting it (and waiting
 * for the interruption) as `Effect.timeoutFail` does.
 *
 * @internal
 */
export const timeoutFail = <A, E, R, E2>(
  self: Effect.Effect<A, E, R>,
  duration: Duration.Duration,
  onTimeout: () => E2
): Effect.Effect<A, E | E2, R> =>
  Effect.clockWith((clock) => {
    const millis = Duration.toMillis(duration)
    if (!isLive(clock) || !isTimerDelay(millis)) {
      return Effect.timeoutFail(self, { duration, onTimeout })
    }
    // The child hands the exit of `self` over through `handed` and ends with `void`: a failure is
    // not also reported as the failure of an unobserved fiber, and the finished fiber holds no
    // result. A fiber object soon lives in old space, and one pointing at a young result (a page
    // of invitations) kept it alive through young collections until a full one: a stream of
    // 100,000 invitations promoted ~30 MB of dead pages that way.
    return Effect.uninterruptibleMask((restore) => {
      let handed: Exit.Exit<A, E> | undefined
      const child = Effect.flatMap(Effect.exit(restore(self)), (exit) =>
        Effect.sync(() => {
          handed = exit
        }))
      return Effect.flatMap(Effect.fork(child), (fiber) =>
        Effect.async<A, E | E2>((resume) => {
          let timedOut = false
          const timer = setTimeout(() => {
            timedOut = true
            fiber.unsafeInterruptAsFork(FiberId.none)
          }, millis)
          const observer = (exit: Exit.Exit<void>) => {
            clearTimeout(timer)
            const inner = handed
            handed = undefined
            if (Exit.isSuccess(exit) && inner !== undefined) {
              resume(timedOut && Exit.isFailure(inner) && Cause.isInterruptedOnly(inner.cause) ? Effect.fail(onTimeout()) : inner)
            } else {
              const cause = Exit.isFailure(exit) ? exit.cause : Cause.die(new Error("timeoutFail: no exit was handed over"))
              resume(timedOut && Cause.isInterruptedOnly(cause) ? Effect.fail(onTimeout()) : Effect.failCause(cause))
            }
          }
          fiber.addObserver(observer)
          return Effect.suspend(() => {
            clearTimeout(timer)
            fiber.removeObserver(observer)
            return Fiber.interrupt(fiber)
          })
        }))
    })
  })
