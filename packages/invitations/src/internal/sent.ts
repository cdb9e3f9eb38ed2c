/**
 * Whether a transport failure shows that nothing was sent: the connection was never made (refused,
 * unknown host, DNS failure, connect timeout), or the URL was unusable. Anything else, a reset or
 * a timeout included, may have reached the server.
 *
 * @internal
 */

const notConnected = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_NONAME",
  "UND_ERR_CONNECT_TIMEOUT",
  "ERR_INVALID_URL"
])

const codeOf = (u: object): unknown => ("code" in u ? u.code : undefined)

/**
 * Whether `cause` (or an error it wraps, as `fetch`'s "fetch failed" wraps the socket's) says the
 * connection was never made. Looks a few levels deep, no further.
 *
 * @internal
 */
export const nothingSent = (cause: unknown): boolean => {
  let current: unknown = cause
  for (let depth = 0; depth < 4; depth++) {
    if (typeof current !== "object" || current === null) return false
    const code = codeOf(current)
    if (typeof code === "string" && notConnected.has(code)) return true
    // fetch refuses the ports its standard blocks before connecting; undici's error has no code.
    if ("message" in current && current.message === "bad port") return true
    if ("errors" in current && Array.isArray(current.errors) && current.errors.length > 0) {
      return current.errors.every((error) => nothingSent(error))
    }
    current = "cause" in current ? current.cause : undefined
  }
  return false
}
