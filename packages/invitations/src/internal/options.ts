/**
 * Checks of `ClerkClient`'s options, run when its layer is built: a secret key that cannot be an
 * HTTP header value, an API URL that is not one, a byte limit that is not a count of bytes. Each
 * returns a readable problem (never echoing the key) or the normalised value.
 *
 * @internal
 */
import * as Either from "effect/Either"

/** Where a secret key comes from, for messages. @internal */
export const whereKeysComeFrom = "copy it from the Clerk Dashboard → API keys (sk_live_… or sk_test_…)"

const describeCharacter = (code: number): string =>
  code === 0x0a || code === 0x0d
    ? "a line break (a trailing newline from a file or a shell?)"
    : code === 0x00
    ? "a NUL character"
    : code === 0x20 || code === 0x09
    ? "a space or tab"
    : code < 0x20 || code === 0x7f
    ? "a control character"
    : "a character outside printable ASCII"

/**
 * Why `key` cannot be sent as a bearer token, or `undefined` when it can: it must be non-empty and
 * printable ASCII without spaces (Clerk's keys are `sk_` and base62). Says where the offending
 * character is, never what the key holds.
 *
 * @internal
 */
export const secretKeyProblem = (key: string): string | undefined => {
  if (key.length === 0) return "is empty"
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i)
    if (code <= 0x20 || code >= 0x7f) {
      return `contains ${describeCharacter(code)} at character ${i + 1} of ${key.length}, which cannot be sent in an HTTP header`
    }
  }
  return undefined
}

/**
 * The base URL of the Backend API as the client uses it (no trailing `/`, no trailing `/v1`,
 * which the client appends), or why `url` is not one.
 *
 * @internal
 */
export const normaliseApiUrl = (url: string): Either.Either<string, string> => {
  if (url.trim() === "") return Either.left("is empty: leave it unset to use https://api.clerk.com")
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return Either.left(`is not a URL: ${JSON.stringify(url)} (expected something like https://api.clerk.com)`)
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    return Either.left(`must be an http or https URL, not ${JSON.stringify(parsed.protocol)}`)
  }
  if (parsed.search !== "" || parsed.hash !== "") {
    return Either.left(`must not carry a query or fragment: ${JSON.stringify(url)}`)
  }
  return Either.right(url.replace(/\/+$/, "").replace(/\/v1$/, "").replace(/\/+$/, ""))
}

/** Why `bytes` is not a usable response limit, or `undefined`. @internal */
export const maxResponseBytesProblem = (bytes: number): string | undefined =>
  Number.isSafeInteger(bytes) && bytes > 0 ? undefined : `must be a positive whole number of bytes, not ${String(bytes)}`
