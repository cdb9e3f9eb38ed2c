/**
 * The importer's outage wait: a cheap read probes Clerk 5 s after the outage began, then at
 * doubling intervals up to 1 min, until Clerk answers or the outage has lasted `maxMillis`.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"

const firstMillis = 5_000
const maxDelayMillis = 60_000

/** How an outage ended: Clerk answered, or it lasted too long (with the last probe's error). @internal */
export type OutageEnd<O> =
  | { readonly _tag: "Back" }
  | { readonly _tag: "TooLong"; readonly elapsedMillis: number; readonly lastError: O }

/**
 * Probes with `check` until it succeeds or fails with something other than an outage (`isOutage`),
 * which both mean Clerk answers (`Back`); a failure that `isFatal` says ends the import fails the
 * wait. Past `maxMillis` since `since`, `TooLong`. `onWait` hears when the next probe is due;
 * `isOver` lets a call that got through end the wait early. @internal
 */
export const waitOut = <E, O extends E, F extends E>(options: {
  readonly since: number
  readonly maxMillis: number
  readonly check: Effect.Effect<unknown, E>
  readonly isOutage: (error: E) => error is O
  readonly isFatal: (error: E) => error is F
  readonly onWait: (until: number) => Effect.Effect<void>
  readonly isOver: () => boolean
}): Effect.Effect<OutageEnd<O>, F> =>
  Effect.gen(function*() {
    let delay = firstMillis
    while (!options.isOver()) {
      const now = yield* Clock.currentTimeMillis
      const wait = Math.min(delay, Math.max(0, options.since + options.maxMillis - now))
      yield* options.onWait(now + wait)
      yield* Effect.sleep(Duration.millis(wait))
      const answer = yield* Effect.either(options.check)
      if (Either.isRight(answer)) return { _tag: "Back" } as const
      if (options.isFatal(answer.left)) return yield* Effect.fail(answer.left)
      const error = answer.left
      if (!options.isOutage(error)) return { _tag: "Back" } as const
      const elapsedMillis = (yield* Clock.currentTimeMillis) - options.since
      if (elapsedMillis >= options.maxMillis) return { _tag: "TooLong", elapsedMillis, lastError: error } as const
      delay = Math.min(delay * 2, maxDelayMillis)
    }
    return { _tag: "Back" } as const
  })
