/**
 * Reads Clerk's `Retry-After` header: whole seconds (what Clerk sends) or an HTTP date.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Option from "effect/Option"

/**
 * Parses a `Retry-After` value relative to `now` (epoch ms); a past date means "now", garbage none.
 *
 * @internal
 */
export const parseRetryAfter = (value: string | undefined, now: number): Option.Option<Duration.Duration> => {
  if (value === undefined) return Option.none()
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Option.some(Duration.seconds(Number(trimmed)))
  const date = Date.parse(trimmed)
  return Number.isNaN(date) || !/[a-z]/i.test(trimmed)
    ? Option.none()
    : Option.some(Duration.millis(Math.max(0, date - now)))
}
