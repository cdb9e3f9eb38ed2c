/**
 * Clerk's Backend API as a shaped `HttpClient`, and the policy a call runs under. It requires an
 * `HttpClient.HttpClient` and picks none: the app provides fetch, undici or the emulator.
 *
 * ## The shaped client (`httpClient`)
 *
 * One attempt per request: the URL under `apiUrl` and `/v1`, the bearer secret, `Clerk-API-Version`,
 * a `User-Agent` naming this package, JSON; redirects refused (a `3xx` is a `ClerkApiError` naming
 * its `Location`); the body read within `maxResponseBytes` before anyone looks at it; Clerk's clock
 * learnt from the `Date` of every answer; the attempt timed by `timeout`. A `2xx` passes; every
 * other outcome fails with what it means: a `RetryableFailure` (transport failure, timeout, `429`,
 * `5xx`), `Rejected` (any other answer, for the operation to name), or a final `ClerkApiError` /
 * `ClerkRequestError`.
 *
 * ## Retry policy (`retry`)
 *
 * - Retried: `RetryableFailure`s, that is transport failures and per-attempt timeouts, `5xx`, `429`,
 *   and `2xx` bodies that break the contract. Never retried: any other `4xx`, invalid URLs,
 *   encoding failures.
 * - Delay: exponential from 500 ms, ×1.5, capped at 60 s, jittered (Clerk's own spec), at most 5
 *   retries; a `Retry-After` (seconds or HTTP date) replaces the computed delay (`retryPolicy`).
 * - A `Retry-After` longer than `maxWait` (60 s) fails at once with `RateLimited` carrying it, and
 *   so does one that would end past the `deadline` (2 min): nobody sleeps for an hour by accident.
 * - An outcome is ambiguous when the request may have been performed (transport failure, timeout,
 *   `5xx`, unreadable `2xx`). Operations that must not be performed twice look for what an
 *   ambiguous attempt did before sending again (`Invitations`, with `since`): the client learns
 *   Clerk's clock from the `Date` header of every answer, kept per layer as an offset from the
 *   local clock.
 * - Interrupting a call aborts its HTTP request.
 * - The per-attempt `timeout` covers the request and its body. By default each attempt runs under
 *   `Effect.timeoutFail`; `timeout: "transport"` leaves it to an `HttpClient` that times its own
 *   requests (`UndiciHttpClient.layerWith({ timeout })` from `@effect-clerk/undici`), which spares
 *   the timer fiber each call forks otherwise.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { flow, identity } from "effect/Function"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { FailedResponse } from "./ClerkError.js"
import { ClerkApiError, ClerkErrorsJson, ClerkRequestError, fromResponse, RateLimited } from "./ClerkError.js"
import { bufferBody, readJson } from "./internal/body.js"
import { maxResponseBytesProblem, normaliseApiUrl, secretKeyProblem, whereKeysComeFrom } from "./internal/options.js"
import { parseRetryAfter } from "./internal/retryAfter.js"
import { nothingSent } from "./internal/sent.js"
import { ServerClock } from "./internal/serverClock.js"
import { annotateThen } from "./internal/spans.js"
import { userAgent } from "./internal/version.js"

/**
 * How failed attempts are retried. Every field has a default; `schedule` replaces the backoff
 * entirely (a `Retry-After` still overrides its delay, and `maxWait`/`deadline` still apply).
 *
 * @since 0.1.0
 * @category models
 */
export interface RetryOptions {
  /** Retries after the first attempt. Default 5. */
  readonly times?: number | undefined
  /** First backoff delay. Default 500 ms. */
  readonly baseDelay?: Duration.DurationInput | undefined
  /** Growth of the delay per retry. Default 1.5. */
  readonly factor?: number | undefined
  /** Largest backoff delay. Default 60 s. */
  readonly maxDelay?: Duration.DurationInput | undefined
  /** The wait budget: a `Retry-After` beyond it fails at once with `RateLimited`. Default 60 s. */
  readonly maxWait?: Duration.DurationInput | undefined
  /** A replacement for the exponential backoff, fed each retryable failure. */
  readonly schedule?: Schedule.Schedule<unknown, RetryableFailure> | undefined
  /**
   * Whether a `Retry-After` within the budget replaces the schedule's delay. Default `true`;
   * `retryWithoutWaiting` turns it off (a `Retry-After` beyond `maxWait` still fails at once).
   */
  readonly honourRetryAfter?: boolean | undefined
}

/**
 * What `layer` takes. `retry: false` turns retries off.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The instance's secret key (`sk_live_…`/`sk_test_…`), kept redacted. An empty key, or one with
   * a space, line break, NUL or other character that cannot be an HTTP header value, fails the
   * layer with a `ConfigError` (which never shows the key).
   */
  readonly secretKey: Redacted.Redacted<string>
  /**
   * Where the Backend API lives. Default `https://api.clerk.com`; `/v1` is appended (a trailing
   * `/v1` given here is not doubled). Anything but an http(s) URL fails the layer with a `ConfigError`.
   */
  readonly apiUrl?: string | undefined
  /** Sent as `Clerk-API-Version`. Default `2026-05-12`. */
  readonly apiVersion?: string | undefined
  /**
   * Time allowed for one attempt, response body included. Default 30 s, enforced with
   * `Effect.timeoutFail` (virtual time under a `TestClock`, as everything else here).
   * `"transport"` leaves it to the `HttpClient`: set it when the transport times its own requests
   * (`UndiciHttpClient.layerWith({ timeout })`) and fails one that runs over with a `RequestError`
   * caused by a `TimeoutError` (the `DOMException` that `AbortSignal.timeout` aborts with); such a
   * failure is read as the attempt timing out. Each call then forks no timer fiber; the `deadline`
   * still bounds retries, from the first failure on.
   */
  readonly timeout?: Duration.DurationInput | "transport" | undefined
  /**
   * Who keeps a redirect from being followed. Clerk's API never redirects, and a `3xx` that reaches
   * the client fails as `ClerkApiError` (`unexpected_redirect`, its `Location` in `meta`) whoever
   * keeps it. By default (`"client"`) each attempt also asks `fetch` not to follow one, by
   * providing `FetchHttpClient.RequestInit` with `redirect: "manual"` (the app's own `RequestInit`
   * kept): `fetch` follows redirects otherwise, and would send a create again to wherever the
   * `Location` points. Providing a service for each attempt costs every transport time (over
   * `UndiciHttpClient`, 3–7% of the revokes and 10–12% of the creates a second; BENCHMARKS.md).
   * `"transport"` leaves it to an `HttpClient` that never follows a redirect by itself: undici's
   * `request` does not, so neither do `UndiciHttpClient`, `NodeHttpClient.layerUndici` and
   * `NodeHttpClient.layer`. Never set it over `fetch`.
   */
  readonly redirects?: "client" | "transport" | undefined
  /** Time allowed for a whole call, retries and their waits included. Default 2 min. */
  readonly deadline?: Duration.DurationInput | undefined
  /** The retry policy; `false` sends each request once. */
  readonly retry?: RetryOptions | false | undefined
  /**
   * The most bytes read of one response body. Default 4 MiB (`defaultMaxResponseBytes`; a page of
   * 500 invitations is a few hundred KB). A larger body is not read further: its request is aborted
   * and the call fails with `ClerkApiError` (`unexpected_response`), as a body that breaks the
   * contract does. Holds on any `HttpClient`.
   */
  readonly maxResponseBytes?: number | undefined
}

/**
 * An attempt that may succeed if tried again: its error, the `Retry-After` Clerk sent, and whether
 * the request may have been performed (`ambiguous`). This is what a retry `schedule` reads.
 *
 * @since 0.1.0
 * @category models
 */
export class RetryableFailure extends Data.TaggedClass("RetryableFailure")<{
  readonly error: RateLimited | ClerkApiError | ClerkRequestError
  readonly retryAfter: Option.Option<Duration.Duration>
  readonly ambiguous: boolean
}> {}

/**
 * Whether `u` is a `RetryableFailure`.
 *
 * @since 0.1.0
 * @category guards
 */
export const isRetryableFailure = (u: unknown): u is RetryableFailure =>
  Predicate.isTagged(u, "RetryableFailure") && u instanceof RetryableFailure

/**
 * A final answer other than `2xx`, `3xx`, `429` or `5xx`, as read: the operation that sent the
 * request names it (`ClerkError.fromCreateResponse`, say).
 *
 * @since 0.1.0
 * @category models
 */
export class Rejected extends Data.TaggedError("Rejected")<{ readonly response: FailedResponse }> {}

/**
 * How one attempt through `httpClient` fails.
 *
 * @since 0.1.0
 * @category models
 */
export type AttemptError = RetryableFailure | Rejected | ClerkApiError | ClerkRequestError

/**
 * When a call's first attempt left, as a reconcile lookup needs it: on Clerk's clock, learnt from
 * the `Date` header of Clerk's answers (the local clock while none was seen), with one second of
 * tolerance for that header's resolution. Something Clerk stamped 2 s or more before the call
 * started is never included.
 *
 * @since 0.1.0
 * @category models
 */
export interface Since {
  /** Whether an event Clerk stamped at `serverMillis` (epoch ms) may have followed the first attempt. */
  readonly includes: (serverMillis: number) => boolean
}

/**
 * The shaped client and the policy of its layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** Clerk's API, one attempt per request, failing as `AttemptError` (see the module's doc). */
  readonly httpClient: HttpClient.HttpClient.With<AttemptError>
  /**
   * Runs the attempts of one call of `request` under the layer's policy: `attempt` again after
   * each `RetryableFailure` while `retryPolicy` allows, everything after the first failure within
   * the `deadline` (past it: `ClerkRequestError` `Timeout`). Fails with the last `RetryableFailure`
   * when retries end (`lastError` unwraps it).
   */
  readonly retry: (
    request: HttpClientRequest.HttpClientRequest
  ) => <A, E, R>(
    attempt: Effect.Effect<A, E | RetryableFailure, R>
  ) => Effect.Effect<A, E | RetryableFailure | ClerkRequestError, R>
  /** What may follow a first attempt that left at local time `departedAt` (epoch ms), by Clerk's clock. */
  readonly since: (departedAt: number) => Since
}

/**
 * The tag of the shaped Clerk client.
 *
 * @since 0.1.0
 * @category tags
 */
export class ClerkClient extends Context.Tag("@effect-clerk/invitations/ClerkClient")<ClerkClient, Service>() {}

/**
 * Clerk's Backend API host.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultApiUrl = "https://api.clerk.com"

/**
 * The Clerk API version this client speaks.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultApiVersion = "2026-05-12"

/**
 * The default `maxResponseBytes`: 4 MiB, about ten times a page of 500 invitations.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxResponseBytes = 4 * 1024 * 1024

/**
 * Why `options` cannot work, as a `ConfigError` naming the option, or `undefined`: a secret key
 * that is empty or cannot be a header value (never shown), an `apiUrl` that is not an http(s) URL,
 * a `maxResponseBytes` that is not a positive count, a `redirects` that is neither `"client"` nor
 * `"transport"`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const checkOptions = (options: Options): ConfigError.ConfigError | undefined => {
  // A key that cannot be a header value would otherwise be echoed by `fetch` in its error, or
  // retried as a transport failure although nothing was sent.
  const keyProblem = secretKeyProblem(Redacted.value(options.secretKey))
  if (keyProblem !== undefined) {
    return ConfigError.InvalidData(["secretKey"], `the secret key ${keyProblem}: ${whereKeysComeFrom}`)
  }
  const apiUrl = normaliseApiUrl(options.apiUrl ?? defaultApiUrl)
  if (Either.isLeft(apiUrl)) return ConfigError.InvalidData(["apiUrl"], `apiUrl ${apiUrl.left}`)
  const bytesProblem = maxResponseBytesProblem(options.maxResponseBytes ?? defaultMaxResponseBytes)
  if (bytesProblem !== undefined) return ConfigError.InvalidData(["maxResponseBytes"], `maxResponseBytes ${bytesProblem}`)
  const redirects: unknown = options.redirects
  return redirects === undefined || redirects === "client" || redirects === "transport"
    ? undefined
    : ConfigError.InvalidData(["redirects"], `redirects must be "client" or "transport", not ${JSON.stringify(redirects)}`)
}

/**
 * The exponential backoff of Clerk's own spec (500 ms, ×1.5, at most 60 s), jittered, for `times`
 * retries: the default schedule, exported to build on.
 *
 * @since 0.1.0
 * @category retry
 */
export const backoff = (options: RetryOptions = {}): Schedule.Schedule<unknown, unknown> =>
  Schedule.exponential(options.baseDelay ?? "500 millis", options.factor ?? 1.5).pipe(
    Schedule.either(Schedule.spaced(options.maxDelay ?? "60 seconds")),
    Schedule.jittered,
    Schedule.intersect(Schedule.recurs(options.times ?? 5))
  )

/**
 * Retries as the default policy does (same failures, same count, same reconcile lookups), without
 * waiting between attempts, and without sleeping for a `Retry-After`. For specs: under
 * `it.effect` time is a `TestClock`, which never moves by itself, so a retry that waits (after an
 * emulator `Fault`, say) would hang the spec; with this preset it runs in milliseconds.
 * `ClerkClient.layer({ secretKey, retry: ClerkClient.retryWithoutWaiting })`.
 *
 * @since 0.1.0
 * @category retry
 */
export const retryWithoutWaiting: RetryOptions = {
  schedule: Schedule.recurs(5),
  honourRetryAfter: false
}

/**
 * The retry policy of `options` as a `Schedule` over failed attempts: `schedule` (default
 * `backoff(options)`), a `Retry-After` within `maxWait` replacing its delay (unless
 * `honourRetryAfter: false`), and a `Retry-After` beyond `maxWait` ending it at once.
 *
 * @since 0.1.0
 * @category retry
 */
export const retryPolicy = (options: RetryOptions = {}): Schedule.Schedule<unknown, RetryableFailure> => {
  const maxWait = Duration.decode(options.maxWait ?? "60 seconds")
  const base = options.schedule ?? backoff(options)
  const paced = options.honourRetryAfter === false
    ? base
    : Schedule.identity<RetryableFailure>().pipe(
      Schedule.intersect(base),
      Schedule.modifyDelay(([failure], delay) => Option.getOrElse(failure.retryAfter, () => delay))
    )
  return Schedule.whileInput(paced, (failure: RetryableFailure) =>
    Option.match(failure.retryAfter, { onNone: () => true, onSome: Duration.lessThanOrEqualTo(maxWait) }))
}

/**
 * The error a call ends with: a `RetryableFailure` left when retries ended becomes its error.
 *
 * @since 0.1.0
 * @category retry
 */
export const lastError = <A, E, R>(
  self: Effect.Effect<A, E | RetryableFailure, R>
): Effect.Effect<A, E | RetryableFailure["error"], R> =>
  Effect.catchIf(self, isRetryableFailure, (failure) => Effect.fail(failure.error))

/**
 * `Effect.retry(attempt, schedule)` after a first `RetryableFailure`, for `RetryableFailure`s only:
 * any other failure ends the call without stepping the schedule (whose input is a
 * `RetryableFailure`); when the schedule ends, the last failure is the call's.
 */
const retryAfterFirst = <A, E, R>(
  first: RetryableFailure,
  attempt: Effect.Effect<A, E | RetryableFailure, R>,
  schedule: Schedule.Schedule<unknown, RetryableFailure>
): Effect.Effect<A, E | RetryableFailure, R> =>
  Effect.flatMap(Schedule.driver(schedule), (driver) => {
    const after = (failure: RetryableFailure): Effect.Effect<A, E | RetryableFailure, R> =>
      Effect.matchEffect(driver.next(failure), {
        onFailure: () => Effect.fail(failure),
        onSuccess: () => Effect.catchIf(attempt, isRetryableFailure, after)
      })
    return after(first)
  })

/** The method and the path (no query: it may hold an address) of a request, for errors. */
const whereOf = (request: HttpClientRequest.HttpClientRequest) => {
  const query = request.url.indexOf("?")
  return { method: request.method, path: query === -1 ? request.url : request.url.slice(0, query) }
}

/**
 * The `ClerkApiError` of a redirect: Clerk's API never redirects, so a `3xx` (or the opaque
 * redirect of a browser `fetch`, status 0) is not followed; its `Location` is in the error.
 */
const redirected = (response: HttpClientResponse.HttpClientResponse) => {
  const location = Option.getOrUndefined(Headers.get(response.headers, "location"))
  return new ClerkApiError({
    status: response.status,
    errors: [{
      code: "unexpected_redirect",
      message: "Clerk's Backend API does not redirect; the redirect was not followed",
      longMessage: location === undefined
        ? `The server answered ${response.status} without a Location; check apiUrl (a proxy in between?)`
        : `The server answered ${response.status} to ${location}; check apiUrl (a proxy in between?)`,
      ...(location === undefined ? {} : { meta: { location } })
    }]
  })
}

// Over `fetch`, redirects are followed unless the request says otherwise: ask for them as they are.
const noRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(
    Effect.serviceOption(FetchHttpClient.RequestInit),
    (init) =>
      Effect.provideService(effect, FetchHttpClient.RequestInit, {
        ...Option.getOrUndefined(init),
        redirect: "manual"
      })
  )

const emptyErrors: ClerkErrorsJson = { errors: [] }
const decodeErrors = Schema.decodeUnknownOption(ClerkErrorsJson)

/** What a failed answer says: Clerk's body (empty when unreadable), its trace id, `Retry-After`. */
const readFailure = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.flatMap(Clock.currentTimeMillis, (now) =>
    readJson(response).pipe(
      Effect.map((json) => Option.getOrElse(decodeErrors(json), () => emptyErrors)),
      Effect.orElseSucceed(() => emptyErrors),
      Effect.map((body): FailedResponse => ({
        status: response.status,
        body: body.traceId === undefined
          ? Option.match(Headers.get(response.headers, "clerk-trace-id"), {
            onNone: () => body,
            onSome: (traceId) => ({ ...body, traceId })
          })
          : body,
        retryAfter: parseRetryAfter(Option.getOrUndefined(Headers.get(response.headers, "retry-after")), now)
      }))
    ))

/** A non-`2xx` answer as an attempt's failure: retryable (`429`, `5xx`), a redirect, or `Rejected`. */
const failedAnswer = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<never, AttemptError> =>
  Effect.flatMap(readFailure(response), (failed): Effect.Effect<never, AttemptError> => {
    if (failed.status !== 429 && failed.status < 500) return Effect.fail(new Rejected({ response: failed }))
    const error = fromResponse(failed)
    return error._tag === "RateLimited" || error._tag === "ClerkApiError"
      ? Effect.fail(new RetryableFailure({ error, ambiguous: failed.status !== 429, retryAfter: failed.retryAfter }))
      : Effect.fail(new Rejected({ response: failed }))
  })

/** Whether a transport failed a request because its own timer ran out (`AbortSignal.timeout`'s error). */
const isTransportTimeout = (cause: unknown) =>
  typeof cause === "object" && cause !== null && "name" in cause && cause.name === "TimeoutError"

/** A platform failure as an attempt's: what was never sent is final, the rest retryable. */
const requestFailure = (
  where: { readonly method: string; readonly path: string },
  error: HttpClientError.HttpClientError
): AttemptError => {
  if (error._tag === "RequestError" && error.reason !== "Transport") {
    return new ClerkRequestError({ reason: error.reason, ...where, cause: error.cause })
  }
  if (isTransportTimeout(error.cause)) {
    return new RetryableFailure({
      error: new ClerkRequestError({ reason: "Timeout", ...where }),
      ambiguous: true,
      retryAfter: Option.none()
    })
  }
  // A connection that was never made (refused, unknown host) performed nothing: not ambiguous.
  return new RetryableFailure({
    error: new ClerkRequestError({ reason: "Transport", ...where, cause: error.cause }),
    ambiguous: !nothingSent(error.cause),
    retryAfter: Option.none()
  })
}

/** The client of options that cannot work: it sends nothing and says why, never showing the key. */
const refuse = (problem: ConfigError.ConfigError) => (request: HttpClientRequest.HttpClientRequest) =>
  new ClerkRequestError({
    reason: problem._op === "InvalidData" && problem.path[0] === "apiUrl" ? "InvalidUrl" : "Encode",
    ...whereOf(request),
    cause: new Error(`the client's options are invalid, ${problem.message}`)
  })

/**
 * Builds the shaped client from the `HttpClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  // Options that cannot work are found here, once. `make` and `layer` cannot fail (their type
  // says so), so their client refuses every request with a typed error and sends nothing;
  // `layerConfig` fails to build instead.
  const problem = checkOptions(options)
  const apiUrl = problem === undefined ? normaliseApiUrl(options.apiUrl ?? defaultApiUrl) : Either.right(defaultApiUrl)
  const base = `${Either.getOrElse(apiUrl, () => defaultApiUrl)}/v1`
  const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
  const deadline = Duration.decode(options.deadline ?? "2 minutes")
  const deadlineMillis = Duration.toMillis(deadline)
  // An attempt never outlives the deadline: the first one runs under this timer alone.
  const attemptTimeout = options.timeout === "transport"
    ? undefined
    : Duration.min(Duration.decode(options.timeout ?? "30 seconds"), deadline)
  const policy = options.retry === false ? undefined : retryPolicy(options.retry)
  // Clerk's clock, from the `Date` of every answer this layer reads.
  const serverClock = new ServerClock()
  // `fetch` is asked not to follow redirects, unless the transport never does (`redirects`).
  const send: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R> = options.redirects === "transport"
    ? identity
    : noRedirects

  // No platform client span: it would keep the request (bearer header included) in its exit and
  // put a `query` (an email) in `url.full`; the operation's own span carries the method, path and
  // status instead. Without that span no trace header is sent either (none to a third party).
  const transport = HttpClient.withTracerDisabledWhen(yield* HttpClient.HttpClient, () => true)

  // One attempt: sent, its answer's `Date` noted, its body read within the limit, all under the
  // attempt's timer; then its status decides.
  const attempt = (
    sent: Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>,
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, AttemptError> => {
    if (problem !== undefined) return Effect.fail(refuse(problem)(request))
    const where = whereOf(request)
    const read = Effect.clockWith((clock) => {
      const sentAt = clock.unsafeCurrentTimeMillis()
      return Effect.flatMap(send(sent), (response) => {
        serverClock.observe(response.headers["date"], sentAt)
        return bufferBody(response, maxResponseBytes)
      })
    }).pipe(Effect.mapError((error) => requestFailure(where, error)))
    const timed = attemptTimeout === undefined ? read : Effect.timeoutFail(read, {
      duration: attemptTimeout,
      onTimeout: () =>
        new RetryableFailure({
          error: new ClerkRequestError({ reason: "Timeout", ...where }),
          ambiguous: true,
          retryAfter: Option.none()
        })
    })
    return annotateThen(
      () => ({ "http.request.method": where.method, "url.path": where.path }),
      Effect.flatMap(timed, (response) =>
        annotateThen(
          () => ({ "http.response.status_code": response.status }),
          HttpClientResponse.matchStatus(response, {
            "2xx": (response): Effect.Effect<HttpClientResponse.HttpClientResponse, AttemptError> => Effect.succeed(response),
            "3xx": (response) => Effect.fail(redirected(response)),
            0: (response) => Effect.fail(redirected(response)),
            orElse: failedAnswer
          })
        ))
    )
  }

  const clerkApi = HttpClient.mapRequest(transport, flow(
    HttpClientRequest.prependUrl(base),
    HttpClientRequest.bearerToken(options.secretKey),
    HttpClientRequest.setHeaders({ "Clerk-API-Version": options.apiVersion ?? defaultApiVersion, "User-Agent": userAgent }),
    HttpClientRequest.acceptJson
  ))
  // `HttpClient.transform`, with the failures replaced rather than added to: every platform
  // failure is an `AttemptError` here.
  const httpClient = HttpClient.makeWith<never, never, AttemptError, never>(
    Effect.flatMap((request) => attempt(clerkApi.execute(request), request)),
    Effect.succeed
  )

  const retry = (request: HttpClientRequest.HttpClientRequest) =>
  <A, E, R>(attempt: Effect.Effect<A, E | RetryableFailure, R>): Effect.Effect<A, E | RetryableFailure | ClerkRequestError, R> =>
    policy === undefined ? attempt : Effect.clockWith((clock) => {
      const startedAt = clock.unsafeCurrentTimeMillis()
      // The first attempt alone, as it is; after its failure, the retries within the deadline.
      return Effect.catchIf(attempt, isRetryableFailure, (first) => {
        const deadlineError = () => new ClerkRequestError({ reason: "Timeout", ...whereOf(request) })
        const left = deadlineMillis - (clock.unsafeCurrentTimeMillis() - startedAt)
        if (left <= 0) return Effect.fail(deadlineError())
        // A `Retry-After` that would end past the deadline ends the retries at once.
        const withinDeadline = Schedule.whileInputEffect(policy, (failure: RetryableFailure) =>
          Option.match(failure.retryAfter, {
            onNone: () => Effect.succeed(true),
            onSome: (wait) =>
              Effect.map(Clock.currentTimeMillis, (now) => now - startedAt + Duration.toMillis(wait) <= deadlineMillis)
          }))
        return Effect.timeoutFail(retryAfterFirst(first, attempt, withinDeadline), { duration: left, onTimeout: deadlineError })
      })
    })

  const since = (departedAt: number): Since => ({
    includes: (serverMillis) => serverMillis > serverClock.threshold(departedAt)
  })

  return ClerkClient.of({ httpClient, retry, since })
})

/**
 * Provides the shaped Clerk client from explicit options; requires an `HttpClient`. This layer
 * cannot fail: options that cannot work (`checkOptions`: a secret key that is empty or cannot be a
 * header value, an `apiUrl` that is not an http(s) URL, a `maxResponseBytes` that is not a
 * positive count, an unknown `redirects`) give a client that sends nothing and fails every call at once with
 * `ClerkRequestError` (`Encode`, or `InvalidUrl` for the URL) saying why, never showing the key.
 * To fail when the layer is built instead, use `layerConfig` (`Config.succeed` takes plain values).
 *
 * @since 0.1.0
 * @category layers
 */
export const layer = (options: Options): Layer.Layer<ClerkClient, never, HttpClient.HttpClient> =>
  Layer.effect(ClerkClient, make(options))

/**
 * `CLERK_SECRET_KEY`, redacted and required: a missing one says what to set and where keys come
 * from; an empty one, or one that cannot be a header value, is refused without being shown.
 *
 * @since 0.1.0
 * @category config
 */
export const secretKeyConfig: Config.Config<Redacted.Redacted<string>> = Config.redacted("CLERK_SECRET_KEY").pipe(
  Config.option,
  Config.mapOrFail((key) => {
    if (Option.isNone(key)) {
      return Either.left(
        ConfigError.MissingData(
          ["CLERK_SECRET_KEY"],
          `Set CLERK_SECRET_KEY to your Clerk instance's secret key: ${whereKeysComeFrom}`
        )
      )
    }
    const problem = secretKeyProblem(Redacted.value(key.value))
    return problem === undefined
      ? Either.right(key.value)
      : Either.left(ConfigError.InvalidData([], `CLERK_SECRET_KEY ${problem}: ${whereKeysComeFrom}`))
  })
)

/**
 * `CLERK_API_URL`, optional: an http(s) URL (a trailing `/v1` is accepted); anything else is
 * refused with a message naming the variable.
 *
 * @since 0.1.0
 * @category config
 */
export const apiUrlConfig: Config.Config<string | undefined> = Config.string("CLERK_API_URL").pipe(
  Config.option,
  Config.mapOrFail((url) =>
    Option.isNone(url)
      ? Either.right(undefined)
      : Either.mapLeft(normaliseApiUrl(url.value), (problem) => ConfigError.InvalidData([], `CLERK_API_URL ${problem}`))
  )
)

/**
 * Provides the shaped Clerk client from configuration: by default `CLERK_SECRET_KEY` (redacted,
 * required, `secretKeyConfig`) and `CLERK_API_URL` (optional, `apiUrlConfig`). `config` reads any
 * option from the app's own config; what it leaves out keeps those defaults, so
 * `layerConfig({ timeout: Config.succeed("transport") })` still reads the key from
 * `CLERK_SECRET_KEY`. Bad values fail the layer with a `ConfigError` naming the variable, before
 * any request.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Partial<Options>> = {}
): Layer.Layer<ClerkClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    ClerkClient,
    Effect.gen(function*() {
      // (`Config.unwrap` of an empty object fails in effect 3.22: nothing to read then.)
      const given: Partial<Options> = Config.isConfig(config) || Object.keys(config).length > 0
        ? yield* Config.unwrap(config)
        : {}
      const options: Options = {
        ...given,
        secretKey: given.secretKey ?? (yield* secretKeyConfig),
        apiUrl: "apiUrl" in given ? given.apiUrl : yield* apiUrlConfig
      }
      const problem = checkOptions(options)
      return problem === undefined ? yield* make(options) : yield* Effect.fail(problem)
    })
  )
