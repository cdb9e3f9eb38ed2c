/**
 * Who may drive the served emulator's control endpoints, and how their refusals read.
 *
 * The control endpoints run on developers' machines, beside their browsers, so a loopback peer
 * is not enough: a web page can send cross-site requests to 127.0.0.1, and DNS rebinding lets it
 * address the emulator under its own host name. A control request must therefore come from a
 * loopback peer, be addressed to a loopback host (`Host`: 127.0.0.0/8, `localhost`, `[::1]`, with
 * or without a port; an absolute request target's authority counts as its `Host`), carry no
 * `Origin` other than a loopback one, and declare `Content-Type: application/json` whenever it
 * has a body. The same rules hold whatever address the server is bound to: a server bound to
 * `0.0.0.0` still answers control requests from loopback peers addressed to a loopback host only.
 *
 * @internal
 */
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"

/** Whether a remote address is a loopback address. */
export const isLoopback = (address: Option.Option<string>): boolean =>
  Option.match(address, {
    onNone: () => false,
    onSome: (a) => a === "::1" || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/i.test(a)
  })

const loopbackIpv4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** Whether a host name (no port; IPv6 in brackets) names this machine's loopback interface. */
export const isLoopbackHostname = (hostname: string): boolean => {
  const name = hostname.toLowerCase().replace(/\.$/, "")
  if (name === "localhost" || name === "[::1]") return true
  const v4 = loopbackIpv4.exec(name)
  return v4 !== null && v4.slice(1).every((octet) => Number(octet) <= 255)
}

/** Whether a `Host` header value (`name` or `name:port`, IPv6 in brackets) is a loopback host. */
export const isLoopbackHost = (host: string | undefined): boolean => {
  if (host === undefined) return false
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/i.exec(host.trim())
  const name = match?.[1]
  return name !== undefined && isLoopbackHostname(name)
}

/** Whether an `Origin` header value names a loopback origin (`http(s)://loopback-host[:port]`). */
export const isLoopbackOrigin = (origin: string): boolean => {
  const match = /^https?:\/\/(.+)$/i.exec(origin.trim())
  const authority = match?.[1]
  return authority !== undefined && isLoopbackHost(authority)
}

/** The media type of a `Content-Type` value, lower-cased, without parameters. */
export const mediaType = (contentType: string | undefined): string | undefined =>
  contentType?.split(";")[0]?.trim().toLowerCase()

/** Why a control request is refused (status and a one-line message), or `undefined` to go on. */
export const refusal = (request: {
  readonly remoteAddress: Option.Option<string>
  readonly headers: Readonly<Record<string, string | undefined>>
  readonly url: string
  readonly hasBody: boolean
}): { readonly status: number; readonly error: string } | undefined => {
  if (!isLoopback(request.remoteAddress)) {
    return { status: 403, error: "the emulator control endpoints answer loopback clients only" }
  }
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(request.url)
  const host = absolute?.[1] ?? request.headers["host"]
  if (!isLoopbackHost(host)) {
    return {
      status: 403,
      error: `the emulator control endpoints answer requests addressed to 127.0.0.1, localhost or [::1] only (Host: ${
        host === undefined ? "none" : JSON.stringify(host)
      })`
    }
  }
  const origin = request.headers["origin"]
  if (origin !== undefined && !isLoopbackOrigin(origin)) {
    return { status: 403, error: `the emulator control endpoints refuse requests from other origins (Origin: ${JSON.stringify(origin)})` }
  }
  const contentType = request.headers["content-type"]
  if ((request.hasBody || contentType !== undefined) && mediaType(contentType) !== "application/json") {
    return {
      status: 415,
      error: `control request bodies must be Content-Type: application/json (got ${contentType === undefined ? "none" : JSON.stringify(contentType)})`
    }
  }
  return undefined
}

/** Whether a request announces a body (a non-zero `content-length` or any `transfer-encoding`). */
export const announcesBody = (headers: Readonly<Record<string, string | undefined>>): boolean => {
  const length = headers["content-length"]
  return headers["transfer-encoding"] !== undefined || (length !== undefined && length.trim() !== "0")
}

const expectedActual = /^Expected (.*), actual (.*)$/s

/**
 * A decoding failure as one line per problem (`path: what was expected, what came`): issues on
 * the same path merge (a literal union reports each literal apart), and the "Expected undefined"
 * of an optional field goes when a better issue names the same path.
 */
export const issueLines = (error: ParseResult.ParseError): ReadonlyArray<string> => {
  const byPath = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = issue.path.map(String).join(".")
    const messages = byPath.get(path) ?? []
    messages.push(issue.message)
    byPath.set(path, messages)
  }
  return Array.from(byPath, ([path, all]) => {
    const messages = all.length > 1 ? all.filter((m) => !m.startsWith("Expected undefined,")) : all
    const parsed = messages.map((m) => expectedActual.exec(m))
    const actual = parsed[0]?.[2]
    const merged = actual !== undefined && parsed.every((p) => p !== null && p[2] === actual)
      ? `expected ${Array.from(new Set(parsed.map((p) => p?.[1] ?? ""))).join(" | ")}, got ${actual}`
      : messages.join("; ")
    const readable = path === "" && merged.startsWith("expected {") ? `expected a JSON object, got ${actual ?? "something else"}` : merged
    return `${path === "" ? "body" : path}: ${readable}`
  })
}
