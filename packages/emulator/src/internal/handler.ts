/**
 * The request pipeline of the emulated API, from an `HttpServerRequest` to an outcome: a response,
 * or a dropped connection (an injected reset). In order: body size (413), route (404), injected
 * fault, authentication (401), API version (400), quota (429, create and bulk only; every
 * authenticated request that reaches the endpoint counts, whatever its validation outcome),
 * content type (415), JSON (400), then the operation. Every request is recorded with the status
 * it got, in a log that keeps the most recent ones.
 *
 * @internal
 */
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { createHash, timingSafeEqual } from "node:crypto"
import type * as Fault from "../Fault.js"
import * as ClerkErrors from "./clerkErrors.js"
import type * as Faults from "./faults.js"
import type * as Model from "./model.js"
import * as Params from "./params.js"
import type * as RateLimit from "./rateLimit.js"
import type * as RequestLog from "./requestLog.js"
import type * as Store from "./store.js"

/** What the pipeline does with a request. */
export type Outcome =
  | { readonly _tag: "Respond"; readonly response: HttpServerResponse.HttpServerResponse }
  | { readonly _tag: "Drop" }

/** Settings resolved from the public options. */
export interface Settings {
  readonly secretKeys: ReadonlyArray<string>
  readonly quotas: { readonly create: number; readonly bulk: number } | undefined
  readonly maxBodyBytes: number
}

/** The state the pipeline works on. */
export interface Deps {
  readonly store: Store.Store
  readonly faults: Faults.Faults
  readonly limiter: RateLimit.RateLimiter
  readonly requests: RequestLog.RequestLog
  readonly settings: Settings
}

/** API versions Clerk has published (clerk-api.md §1). */
export const apiVersions: ReadonlySet<string> = new Set([
  "2021-02-05",
  "2024-10-01",
  "2025-03-12",
  "2025-04-10",
  "2025-11-10",
  "2026-05-12"
])

type Route =
  | { readonly operation: "create" | "bulk" | "list" }
  | { readonly operation: "revoke"; readonly id: string }

const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

const matchRoute = (method: string, path: string): Route | undefined => {
  if (path === "/v1/invitations") {
    return method === "POST" ? { operation: "create" } : method === "GET" ? { operation: "list" } : undefined
  }
  if (method !== "POST") return undefined
  if (path === "/v1/invitations/bulk") return { operation: "bulk" }
  const revoke = /^\/v1\/invitations\/([^/]+)\/revoke$/.exec(path)
  const segment = revoke?.[1]
  return segment === undefined ? undefined : { operation: "revoke", id: decodeSegment(segment) }
}

const sha256 = (value: string) => createHash("sha256").update(value).digest()

const secretKeyShape = /^sk_[a-z]+_[A-Za-z0-9]+$/

/** Checks the bearer key in constant time against every configured key; answers its digest. */
const authenticate = (digests: ReadonlyArray<Buffer>, authorization: string | undefined) => {
  if (authorization === undefined || authorization.trim() === "") return Either.left(ClerkErrors.authenticationInvalid)
  const match = /^Bearer (\S+)$/i.exec(authorization.trim())
  const token = match?.[1]
  if (token === undefined) return Either.left(ClerkErrors.authorizationHeaderFormatInvalid)
  const digest = sha256(token)
  const known = digests.reduce((found, key) => timingSafeEqual(key, digest) || found, false)
  if (known) return Either.right(digest.toString("hex"))
  return Either.left(secretKeyShape.test(token) ? ClerkErrors.clerkKeyInvalid : ClerkErrors.authenticationInvalid)
}

const checkVersion = (header: string | undefined, query: ReadonlyArray<string>) => {
  if (header !== undefined && query.length > 0) {
    return Either.left(ClerkErrors.apiVersionInvalid("set either the Clerk-API-Version header or __clerk_api_version, not both."))
  }
  const version = header ?? query[0]
  if (version === undefined || query.length <= 1 && apiVersions.has(version)) return Either.void
  return Either.left(ClerkErrors.apiVersionInvalid(`unsupported version ${JSON.stringify(version)}.`))
}

/** A request body read up to a limit. */
export interface Body {
  readonly bytes: Uint8Array
  readonly tooLarge: boolean
}

/**
 * Reads at most `max` bytes; a longer body is drained (so the client can read the 413 rather than
 * a reset) and reported too large. A declared `content-length` over `max` is refused unread.
 */
export const readBody = (request: HttpServerRequest.HttpServerRequest, max: number): Effect.Effect<Body> => {
  const declared = Number(request.headers["content-length"] ?? "0")
  if (Number.isFinite(declared) && declared > max) return Effect.succeed({ bytes: new Uint8Array(), tooLarge: true })
  return request.stream.pipe(
    Stream.runFold(
      { chunks: Chunk.empty<Uint8Array>(), size: 0 },
      (acc, chunk) => ({
        chunks: acc.size + chunk.length <= max ? Chunk.append(acc.chunks, chunk) : acc.chunks,
        size: acc.size + chunk.length
      })
    ),
    Effect.map(({ chunks, size }) => ({ bytes: Buffer.concat(Chunk.toReadonlyArray(chunks)), tooLarge: size > max })),
    Effect.orElseSucceed(() => ({ bytes: new Uint8Array(), tooLarge: false }))
  )
}

const mediaType = (contentType: string | undefined) => contentType?.split(";")[0]?.trim().toLowerCase()

const parseRecorded = (text: string): unknown => Either.getOrUndefined(Params.parseJson(text))

/** Builds the pipeline over the emulator's state. */
export const make = (deps: Deps) => {
  const digests = deps.settings.secretKeys.map(sha256)

  const operate = Effect.fnUntraced(function*(route: Route, request: HttpServerRequest.HttpServerRequest, text: string, params: ReadonlyArray<readonly [string, string]>) {
    const key = authenticate(digests, request.headers["authorization"])
    if (Either.isLeft(key)) return yield* ClerkErrors.respond(key.left)
    const version = checkVersion(
      request.headers["clerk-api-version"],
      params.filter(([name]) => name === "__clerk_api_version").map(([, value]) => value)
    )
    if (Either.isLeft(version)) return yield* ClerkErrors.respond(version.left)
    const now = yield* Clock.currentTimeMillis
    const quotas = deps.settings.quotas
    if (quotas !== undefined && (route.operation === "create" || route.operation === "bulk")) {
      const allowed = yield* deps.limiter.consume(`${key.right}:${route.operation}`, quotas[route.operation], now)
      if (Either.isLeft(allowed)) return yield* ClerkErrors.respond(ClerkErrors.tooManyRequests(allowed.left))
    }
    const result = yield* run(route, request, text, params, now)
    return yield* Either.match(result, {
      onLeft: ClerkErrors.respond,
      onRight: (body) => Effect.succeed(ClerkErrors.ok(body))
    })
  })

  const run = (
    route: Route,
    request: HttpServerRequest.HttpServerRequest,
    text: string,
    params: ReadonlyArray<readonly [string, string]>,
    now: number
  ): Effect.Effect<Either.Either<unknown, ClerkErrors.Failure>> => {
    switch (route.operation) {
      case "list":
        return Either.match(Params.decodeListQuery(params), {
          onLeft: (failure) => Effect.succeed(Either.left(failure)),
          onRight: (query) =>
            Effect.map(deps.store.list(query, now), (page) =>
              Either.right(query.paginated === true ? { data: page.data, total_count: page.totalCount } : page.data))
        })
      case "revoke":
        return deps.store.revoke(route.id, now)
      case "create":
      case "bulk": {
        const type = mediaType(request.headers["content-type"])
        if (text.length > 0 && type !== "application/json") {
          return Effect.succeed(Either.left(ClerkErrors.unsupportedContentType(type ?? "(none)")))
        }
        const body = Params.parseJson(text)
        if (Either.isLeft(body)) return Effect.succeed(body)
        return route.operation === "create"
          ? Either.match(Params.decodeCreateBody(body.right), {
            onLeft: (failure) => Effect.succeed(Either.left(failure)),
            onRight: (create) => deps.store.create(create, now)
          })
          : Either.match(Params.decodeBulkBody(body.right ?? null), {
            onLeft: (failure) => Effect.succeed(Either.left(failure)),
            onRight: (items) => deps.store.createBulk(items, now)
          })
      }
    }
  }

  const withFault = (
    fault: Option.Option<Fault.Fault>,
    normal: Effect.Effect<ClerkErrors.Answer>
  ): Effect.Effect<ClerkErrors.Answer | "Drop" | { readonly malformed: string }> => {
    if (Option.isNone(fault)) return normal
    const f = fault.value
    switch (f._tag) {
      case "Status": {
        const headers: Record<string, string> = f.retryAfter === undefined ? {} : { "retry-after": String(f.retryAfter) }
        return f.body === undefined
          ? ClerkErrors.respond({ status: f.status, errors: ClerkErrors.injected(f.status, f.code), headers })
          : Effect.succeed({ status: f.status, body: f.body, headers })
      }
      case "ResetBefore":
        return Effect.succeed("Drop")
      case "ResetAfter":
        return Effect.as(normal, "Drop")
      case "Delay":
        return Effect.zipRight(Effect.sleep(f.duration), normal)
      case "Malformed":
        return Effect.map(normal, (answer) => {
          const json = JSON.stringify(answer.body)
          return { malformed: json.slice(0, Math.max(1, Math.floor(json.length / 2))) }
        })
    }
  }

  return Effect.fn("ClerkEmulator.handle")(function*(request: HttpServerRequest.HttpServerRequest) {
    const url = new URL(request.url, "http://emulator.invalid")
    const params = Array.from(url.searchParams, ([key, value]) => [key, value] as const)
    const body = yield* readBody(request, deps.settings.maxBodyBytes)
    const text = body.tooLarge ? "" : new TextDecoder().decode(body.bytes)
    const route = matchRoute(request.method, url.pathname)
    const fault = route === undefined || body.tooLarge ? Option.none() : yield* deps.faults.take(route.operation)
    const result = body.tooLarge
      ? yield* ClerkErrors.respond(ClerkErrors.requestBodyTooLarge(deps.settings.maxBodyBytes))
      : route === undefined
      ? yield* ClerkErrors.respond(ClerkErrors.routeNotFound)
      : yield* withFault(fault, operate(route, request, text, params))
    // Like Clerk (and any HTTP server), every answer carries a `Date`, here from the `Clock`, so a
    // client can learn the server's clock and a `TestClock` drives it.
    const date = new Date(yield* Clock.currentTimeMillis).toUTCString()
    const outcome: Outcome = result === "Drop"
      ? { _tag: "Drop" }
      : "malformed" in result
      ? {
        _tag: "Respond",
        response: HttpServerResponse.text(result.malformed, { status: 200, contentType: "application/json", headers: { date } })
      }
      : { _tag: "Respond", response: HttpServerResponse.setHeader(ClerkErrors.toResponse(result), "date", date) }
    const received: Model.ReceivedRequest = {
      method: request.method,
      path: url.pathname,
      urlParams: params,
      headers: { ...request.headers },
      body: text === "" ? undefined : parseRecorded(text),
      status: result === "Drop" ? undefined : "malformed" in result ? 200 : result.status,
      fault: Option.match(fault, { onNone: () => undefined, onSome: (f) => f._tag })
    }
    yield* deps.requests.record(received)
    return outcome
  })
}
