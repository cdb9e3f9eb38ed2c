/**
 * The emulated API as an `HttpApp`: a response, or `Dropped` for a connection dropped without one
 * (an injected reset). The in-process client and the served emulator run this same app. In order:
 * body size (413), route (an `HttpRouter`; 404 in Clerk's shape for any other path or method),
 * injected fault, authentication (401), API version (400), quota (429, create and bulk only; every
 * authenticated request that reaches the endpoint counts, whatever its validation outcome),
 * content type (415), JSON (400), then the operation; store errors become Clerk's answers in
 * `failureOf`. Every request is recorded with the status it got, in a log that keeps the most
 * recent ones.
 *
 * @internal
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServerError from "@effect/platform/HttpServerError"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
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

/**
 * The connection is to be dropped without an answer (an injected reset). The in-process client
 * turns it into a transport error; the served app destroys the socket.
 */
export class Dropped extends Data.TaggedError("Dropped")<{}> {}

/** One request as the pipeline read it before routing: its path, query pairs and body text. */
interface Exchange {
  readonly request: HttpServerRequest.HttpServerRequest
  readonly path: string
  readonly params: ReadonlyArray<readonly [string, string]>
  readonly text: string
}

/** The request being handled, for the route handlers. */
class Incoming extends Context.Tag("@effect-clerk/emulator/internal/handler/Incoming")<Incoming, Exchange>() {}

/**
 * How the router matches: exactly, as Clerk's paths are written (case, trailing and doubled
 * slashes count), with ids of any length.
 */
export const routerConfig = {
  caseSensitive: true,
  ignoreTrailingSlash: false,
  ignoreDuplicateSlashes: false,
  maxParamLength: Number.MAX_SAFE_INTEGER
} as const

/**
 * The path the router matches. The router percent-decodes paths and parameters and takes `;` for
 * the start of a query; escaping `%` and `;` keeps the match on the path as sent and hands
 * parameters back as sent, so each route decodes its own (`decodeSegment`).
 */
export const routablePath = (path: string): string =>
  path.includes("%") || path.includes(";") ? path.replace(/[%;]/g, encodeURIComponent) : path

/** A path parameter percent-decoded once, or `undefined` when it is not valid percent-encoding. */
export const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment)
  } catch {
    return undefined
  }
}

/** Why an operation fails: a Clerk failure found by validation, or the store's refusal. */
type Failure = ClerkErrors.Failure | Store.ApiError

/** Clerk's answer to a failed operation: every store error maps here, and nowhere else. */
const failureOf = (failure: Failure): ClerkErrors.Failure => {
  if (!("_tag" in failure)) return failure
  switch (failure._tag) {
    case "DuplicateInvitations":
      return ClerkErrors.duplicateInvitations(failure.emailAddresses)
    case "IdentifierExists":
      return ClerkErrors.identifierExists(failure.emailAddresses)
    case "InvitationNotFound":
      return ClerkErrors.invitationNotFound(failure.invitationId)
    case "NotRevocable":
      return failure.state === "revoked" ? ClerkErrors.alreadyRevoked : ClerkErrors.alreadyAccepted
  }
}

/** The emulated API as an `HttpApp` over the emulator's state; `Dropped` means no answer at all. */
export const make = (deps: Deps): Effect.Effect<HttpApp.Default<Dropped>> => {
  const digests = deps.settings.secretKeys.map(sha256)

  /** Authentication, API version and quota, then the operation; failures in Clerk's error shape. */
  const answer = (
    operation: Model.Operation,
    exchange: Exchange,
    run: (exchange: Exchange, now: number) => Effect.Effect<unknown, Failure>
  ): Effect.Effect<ClerkErrors.Answer> =>
    Effect.gen(function*() {
      const key = yield* authenticate(digests, exchange.request.headers["authorization"])
      yield* checkVersion(
        exchange.request.headers["clerk-api-version"],
        exchange.params.filter(([name]) => name === "__clerk_api_version").map(([, value]) => value)
      )
      const now = yield* Clock.currentTimeMillis
      const quotas = deps.settings.quotas
      if (quotas !== undefined && (operation === "create" || operation === "bulk")) {
        const allowed = yield* deps.limiter.consume(`${key}:${operation}`, quotas[operation], now)
        if (Either.isLeft(allowed)) return yield* Effect.fail(ClerkErrors.tooManyRequests(allowed.left))
      }
      return ClerkErrors.ok(yield* run(exchange, now))
    }).pipe(Effect.catchAll((failure) => ClerkErrors.respond(failureOf(failure))))

  /** A JSON body of create or bulk: declared `application/json` when present, and parsed. */
  const jsonBody = (exchange: Exchange) => {
    const type = mediaType(exchange.request.headers["content-type"])
    if (exchange.text.length > 0 && type !== "application/json") {
      return Either.left(ClerkErrors.unsupportedContentType(type ?? "(none)"))
    }
    return Params.parseJson(exchange.text)
  }

  const list = (exchange: Exchange, now: number) =>
    Effect.flatMap(Params.decodeListQuery(exchange.params), (query) =>
      Effect.map(deps.store.list(query, now), (page) =>
        query.paginated === true ? { data: page.data, total_count: page.totalCount } : page.data))

  const create = (exchange: Exchange, now: number) =>
    Effect.flatMap(Effect.flatMap(jsonBody(exchange), Params.decodeCreateBody), (params) =>
      deps.store.create(params, now))

  const bulk = (exchange: Exchange, now: number) =>
    Effect.flatMap(Effect.flatMap(jsonBody(exchange), (body) => Params.decodeBulkBody(body ?? null)), (items) =>
      deps.store.createBulk(items, now))

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

  /** Records the request with what it got, and turns the result into the response (or `Dropped`). */
  const finish = (
    exchange: Exchange,
    result: ClerkErrors.Answer | "Drop" | { readonly malformed: string },
    fault: Option.Option<Fault.Fault>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, Dropped> => {
    const received: Model.ReceivedRequest = {
      method: exchange.request.method,
      path: exchange.path,
      urlParams: exchange.params,
      headers: { ...exchange.request.headers },
      body: exchange.text === "" ? undefined : parseRecorded(exchange.text),
      status: result === "Drop" ? undefined : "malformed" in result ? 200 : result.status,
      fault: Option.match(fault, { onNone: () => undefined, onSome: (f) => f._tag })
    }
    // Like Clerk (and any HTTP server), every answer carries a `Date`, here from the `Clock`, so a
    // client can learn the server's clock and a `TestClock` drives it.
    return Effect.zipRight(
      deps.requests.record(received),
      result === "Drop"
        ? new Dropped()
        : Effect.map(Clock.currentTimeMillis, (now) => {
          const date = new Date(now).toUTCString()
          return "malformed" in result
            ? HttpServerResponse.text(result.malformed, { status: 200, contentType: "application/json", headers: { date } })
            : HttpServerResponse.setHeader(ClerkErrors.toResponse(result), "date", date)
        })
    )
  }

  /** The route handler of an operation: its fault first, then the answer, recorded. */
  const endpoint = (operation: Model.Operation, run: (exchange: Exchange, now: number) => Effect.Effect<unknown, Failure>) =>
    Effect.flatMap(Incoming, (exchange) =>
      Effect.flatMap(deps.faults.take(operation), (fault) =>
        Effect.flatMap(withFault(fault, answer(operation, exchange, run)), (result) => finish(exchange, result, fault))))

  /** Revoke's id is decoded once; a segment that is not valid percent-encoding is looked up as sent. */
  const revoke = Effect.flatMap(HttpRouter.params, ({ id = "" }): Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    Dropped | HttpServerError.RouteNotFound,
    Incoming | HttpServerRequest.HttpServerRequest
  > =>
    id === ""
      ? Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => new HttpServerError.RouteNotFound({ request }))
      : endpoint("revoke", (_, now) => deps.store.revoke(decodeSegment(id) ?? id, now)))

  const routes = HttpRouter.empty.pipe(
    HttpRouter.get("/v1/invitations", endpoint("list", list)),
    HttpRouter.post("/v1/invitations", endpoint("create", create)),
    HttpRouter.post("/v1/invitations/bulk", endpoint("bulk", bulk)),
    HttpRouter.post("/v1/invitations/:id/revoke", revoke)
  )

  const answerOnly = (exchange: Exchange, failure: ClerkErrors.Failure) =>
    Effect.flatMap(ClerkErrors.respond(failure), (result) => finish(exchange, result, Option.none()))

  return Effect.map(HttpRouter.withRouterConfig(HttpRouter.toHttpApp(routes), routerConfig), (routed) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      const url = new URL(request.url, "http://emulator.invalid")
      const body = yield* readBody(request, deps.settings.maxBodyBytes)
      const exchange: Exchange = {
        request,
        path: url.pathname,
        params: Array.from(url.searchParams, ([key, value]) => [key, value] as const),
        text: body.tooLarge ? "" : new TextDecoder().decode(body.bytes)
      }
      if (body.tooLarge) return yield* answerOnly(exchange, ClerkErrors.requestBodyTooLarge(deps.settings.maxBodyBytes))
      // the router answers HEAD with a GET route; the emulator serves no HEAD
      if (request.method === "HEAD") return yield* answerOnly(exchange, ClerkErrors.routeNotFound)
      return yield* routed.pipe(
        Effect.provideService(HttpServerRequest.HttpServerRequest, request.modify({ url: routablePath(url.pathname) })),
        Effect.provideService(Incoming, exchange),
        Effect.catchTag("RouteNotFound", () => answerOnly(exchange, ClerkErrors.routeNotFound))
      )
    }).pipe(Effect.withSpan("ClerkEmulator.handle")))
}
