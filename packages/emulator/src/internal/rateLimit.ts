/**
 * Clerk's per-endpoint quotas (clerk-api.md §5) as a sliding window log: a request is allowed
 * when fewer than `limit` uses of that key and endpoint fall in the last `window`; a blocked
 * request does not count, and its `Retry-After` is the whole seconds until the oldest use in the
 * window leaves it (at least 1).
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Ref from "effect/Ref"

/** Counts uses per key (secret key digest and endpoint). */
export interface RateLimiter {
  /** Records a use, or answers the seconds to wait when the quota is spent. */
  readonly consume: (key: string, limit: number, now: number) => Effect.Effect<Either.Either<void, number>>
  readonly reset: Effect.Effect<void>
}

/** Builds a limiter over a window of `windowMs` milliseconds. */
export const make = (windowMs: number): Effect.Effect<RateLimiter> =>
  Effect.map(Ref.make<ReadonlyMap<string, ReadonlyArray<number>>>(new Map()), (ref) => ({
    consume: (key, limit, now) =>
      Ref.modify(ref, (uses): readonly [Either.Either<void, number>, ReadonlyMap<string, ReadonlyArray<number>>] => {
        const recent = (uses.get(key) ?? []).filter((at) => at > now - windowMs)
        const oldest = recent[0]
        if (recent.length >= limit && oldest !== undefined) {
          return [Either.left(Math.max(1, Math.ceil((oldest + windowMs - now) / 1000))), uses]
        }
        return [Either.void, new Map(uses).set(key, [...recent, now])]
      }),
    reset: Ref.set(ref, new Map())
  }))
