/**
 * Reads Clerk's `Retry-After` header: whole seconds (what Clerk sends) or an HTTP date.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/**
 * Parses a `Retry-After` value relative to `now` (epoch ms): whole or decimal seconds, or an HTTP
 * date (a past one means "now"). Anything else (`-5`, `1e12`, `Infinity`, a number too large to
 * hold) is unreadable: none, so the caller falls back to its backoff and says the wait is unknown.
 *
 * @internal
 */
export const parseRetryAfter = (value: string | undefined, now: number): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const seconds = Number(trimmed)
    return Number.isFinite(seconds) ? Option.some(Duration.seconds(seconds)) : Option.none()
  }
  const date = Date.parse(trimmed)
  return Number.isNaN(date) || !/[a-z]/i.test(trimmed)
    ? Option.none()
    : Option.some(Duration.millis(Math.max(0, date - now)))
}
