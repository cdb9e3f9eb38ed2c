/**
 * The HTTP client shaped for Clerk's Backend API: base URL and `/v1`, the bearer secret,
 * `Clerk-API-Version`, a `User-Agent` naming this package, JSON, a timeout per attempt, an overall
 * deadline and the retry policy. It requires an `HttpClient.HttpClient` and picks none: the app
 * provides fetch, undici or the emulator.
 *
 * ## Retry policy
 *
 * - Retried: transport failures and per-attempt timeouts, `5xx`, `429`, and `2xx` bodies that break
 *   the contract. Never retried: any other `4xx`, invalid URLs, encoding failures.
 * - Delay: exponential from 500 ms, ×1.5, capped at 60 s, jittered (Clerk's own spec), at most 5
 *   retries; a `Retry-After` (seconds or HTTP date) replaces the computed delay.
 * - A `Retry-After` longer than `maxWait` (60 s) fails at once with `RateLimited` carrying it, and
 *   so does one that would end past the `deadline` (2 min): nobody sleeps for an hour by accident.
 * - An outcome is ambiguous when the request may have been performed (transport failure, timeout,
 *   `5xx`, unreadable `2xx`). Operations that are not idempotent pass a `reconcile` lookup: after an
 *   ambiguous outcome it runs before anything is sent again, and its find is the result. The lookup
 *   is told when the first attempt left, on Clerk's clock (`Since`): the client learns that clock
 *   from the `Date` header of every answer, kept per layer as an offset from the local clock. If
 *   the lookup itself cannot reach Clerk, the call fails naming its own request, the lookup's
 *   failure as the cause.
 * - Interrupting a call aborts its HTTP request.
 * - The per-attempt `timeout` covers the request and its body. Over `UndiciHttpClient` the transport
 *   arms it in the request's own promise; over any other client (or one behind a middleware) the
 *   attempt runs in a forked fiber raced against a timer, which costs more per call.
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import type { CommonError, FailedResponse } from "./ClerkError.js"
import { ClerkApiError, ClerkErrorsJson, ClerkRequestError, fromResponse, RateLimited } from "./ClerkError.js"
import { bufferBody, readJson } from "./internal/body.js"
import { AttemptTimedOut, executeWithin, isTimedTransport } from "./internal/attemptTimeout.js"
import { isLive, isTimerDelay, timeoutFail } from "./internal/fast.js"
import { maxResponseBytesProblem, normaliseApiUrl, secretKeyProblem, whereKeysComeFrom } from "./internal/options.js"
import { parseRetryAfter } from "./internal/retryAfter.js"
import { nothingSent } from "./internal/sent.js"
import { ServerClock } from "./internal/serverClock.js"
import { annotateThen } from "./internal/tracing.js"
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
  /** Time allowed for one attempt, response body included. Default 30 s. */
  readonly timeout?: Duration.DurationInput | undefined
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
 * the request may have been performed (`ambiguous`). This is what a custom retry `schedule` reads.
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
 * How an operation reads the answers to its request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Handlers<A, E> {
  /** Decodes a 2xx response; a failure means the body broke the contract. */
  readonly onSuccess: (response: HttpClientResponse.HttpClientResponse) => Effect.Effect<A, ClerkApiError>
  /** Maps a final non-2xx answer (not 429 or 5xx, which are retried) to the operation's error. */
  readonly onFailure: (failed: FailedResponse) => E | CommonError
  /**
   * For requests that must not be performed twice: after an ambiguous outcome, `find` looks for
   * what the earlier attempts may have done before anything is sent again; a find is the result.
   * It runs also when retries end on an ambiguous failure, or on a final error that `when` says
   * the earlier attempt may have caused (a duplicate of itself, say). `since` says which of Clerk's
   * timestamps can be the call's doing; read it after the lookup's answer, which teaches the clock.
   */
  readonly reconcile?: {
    readonly find: (since: Since) => Effect.Effect<Option.Option<A>, E | CommonError>
    readonly when: (error: E | CommonError) => boolean
  } | undefined
}

/**
 * The shaped client: the platform `HttpClient` with Clerk's URL and headers, and `execute`, which
 * runs one request under the timeout, deadline and retry policy of the layer.
 *
 * @since 0.1.0
 * @category models
 */
export interface Service {
  /** The platform client with base URL, bearer secret and headers applied; no retries. */
  readonly httpClient: HttpClient.HttpClient
  /** Sends `request` with the layer's policy and reads the answer with `handlers`. */
  readonly execute: <A, E>(
    request: HttpClientRequest.HttpClientRequest,
    handlers: Handlers<A, E>
  ) => Effect.Effect<A, E | CommonError>
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

const isRedirect = (status: number) => status === 0 || (status >= 300 && status < 400)

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

/**
 * Why `options` cannot work, as a `ConfigError` naming the option, or `undefined`: a secret key
 * that is empty or cannot be a header value (never shown), an `apiUrl` that is not an http(s) URL,
 * a `maxResponseBytes` that is not a positive count.
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
  return bytesProblem === undefined
    ? undefined
    : ConfigError.InvalidData(["maxResponseBytes"], `maxResponseBytes ${bytesProblem}`)
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

const honourRetryAfter = (schedule: Schedule.Schedule<unknown, RetryableFailure>) =>
  Schedule.identity<RetryableFailure>().pipe(
    Schedule.intersect(schedule),
    Schedule.modifyDelay(([failure], delay) => Option.getOrElse(failure.retryAfter, () => delay))
  )

const emptyErrors: ClerkErrorsJson = { errors: [] }
const decodeErrors = Schema.decodeUnknownOption(ClerkErrorsJson)

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

const isTransient = (status: number) => status === 429 || status >= 500

// A reconcile lookup that could not reach Clerk, as the cause of the call's own error: named, its
// own cause kept (never the request, which carries the secret).
const lookupFailed = (error: ClerkRequestError): Error => {
  const what = error.reason === "Timeout"
    ? "timed out"
    : error.reason === "Transport"
    ? "failed in transport"
    : `failed (${error.reason})`
  const detail = error.cause instanceof Error ? `: ${error.cause.message}` : ""
  return new Error(`the lookup for what it did, ${error.method} ${error.path}, ${what}${detail}`, { cause: error.cause })
}

/**
 * Builds the shaped client from the `HttpClient` in context.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = Effect.fnUntraced(function*(options: Options) {
  // Options that cannot work are found here, once. `make` and `layer` cannot fail (their type
  // says so), so their client refuses every call with a typed error and sends nothing;
  // `layerConfig` fails to build instead.
  const problem = checkOptions(options)
  const apiUrl = problem === undefined ? normaliseApiUrl(options.apiUrl ?? defaultApiUrl) : Either.right(defaultApiUrl)
  const base = `${Either.getOrElse(apiUrl, () => defaultApiUrl)}/v1`
  const maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes
  // Every request shares these headers: computed once, applied in one step per request.
  const shared = HttpClientRequest.get("").pipe(
    HttpClientRequest.bearerToken(options.secretKey),
    HttpClientRequest.setHeaders({ "Clerk-API-Version": options.apiVersion ?? defaultApiVersion, "User-Agent": userAgent }),
    HttpClientRequest.acceptJson
  ).headers
  // No platform client span: it would keep the request (bearer header included) in its exit and
  // put a `query` (an email) in `url.full`; the operation's own span carries the method, path and
  // status instead. Without that span no trace header is sent either (none to a third party).
  const transport = yield* HttpClient.HttpClient
  const untraced = HttpClient.withTracerDisabledWhen(transport, () => true)
  // A transport that arms the attempt's timer itself (`UndiciHttpClient`) spares a fork per call.
  const within = isTimedTransport(transport) ? transport[executeWithin] : undefined
  const prepare = (request: HttpClientRequest.HttpClientRequest) =>
    HttpClientRequest.setHeaders(HttpClientRequest.prependUrl(request, base), shared)
  const httpClient = HttpClient.mapRequest(untraced, prepare)
  const timeout = Duration.decode(options.timeout ?? "30 seconds")
  const deadline = Duration.decode(options.deadline ?? "2 minutes")
  const deadlineMillis = Duration.toMillis(deadline)
  // The first attempt runs under one timer: the deadline when it comes first, else the timeout.
  const deadlineFirst = Duration.lessThanOrEqualTo(deadline, timeout)
  const firstTimeout = deadlineFirst ? deadline : timeout
  const retry = options.retry === false ? undefined : options.retry ?? {}
  const maxWait = Duration.decode(retry?.maxWait ?? "60 seconds")
  // Clerk's clock, from the `Date` of every answer this layer reads.
  const serverClock = new ServerClock()
  const schedule = retry === undefined
    ? undefined
    : retry.honourRetryAfter === false
    ? (retry.schedule ?? backoff(retry))
    : honourRetryAfter(retry.schedule ?? backoff(retry))

  const refuse = (request: HttpClientRequest.HttpClientRequest, problem: ConfigError.ConfigError) => {
    const query = request.url.indexOf("?")
    return Effect.fail(
      new ClerkRequestError({
        reason: problem._op === "InvalidData" && problem.path[0] === "apiUrl" ? "InvalidUrl" : "Encode",
        method: request.method,
        path: query === -1 ? request.url : request.url.slice(0, query),
        cause: new Error(`the client's options are invalid, ${problem.message}`)
      })
    )
  }

  const execute = <A, E>(
    request: HttpClientRequest.HttpClientRequest,
    handlers: Handlers<A, E>
  ): Effect.Effect<A, E | CommonError> =>
    problem !== undefined ? refuse(request, problem) : Effect.clockWith((clock) => {
      type Outcome = Either.Either<A, E | CommonError>
      const startedAt = clock.unsafeCurrentTimeMillis()
      // When the attempt in flight left (local clock), to read its answer's `Date` against.
      let sentAt = startedAt
      const done = (a: A): Outcome => Either.right(a)
      const final = (error: E | CommonError): Outcome => Either.left(error)
      const query = request.url.indexOf("?")
      const where = { method: request.method, path: query === -1 ? request.url : request.url.slice(0, query) }
      const retryable = (
        error: RetryableFailure["error"],
        ambiguous: boolean,
        retryAfter: Option.Option<Duration.Duration> = Option.none()
      ) => new RetryableFailure({ error, ambiguous, retryAfter })
      const deadlineError = () => new ClerkRequestError({ reason: "Timeout", ...where })

      const onResponse = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Outcome, RetryableFailure> => {
        serverClock.observe(response.headers["date"], sentAt)
        return annotateThen(() => ({ "http.response.status_code": response.status }), classify(response))
      }
      // Every body is read within `maxResponseBytes` before anything looks at it; a redirect is
      // final (nothing was done where it pointed, and it is not followed).
      const classify = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Outcome, RetryableFailure> =>
        Effect.flatMap(bufferBody(response, maxResponseBytes), classifyRead)
      const classifyRead = (response: HttpClientResponse.HttpClientResponse): Effect.Effect<Outcome, RetryableFailure> => {
        if (isRedirect(response.status)) return Effect.succeed(final(redirected(response)))
        if (response.status >= 200 && response.status < 300) {
          return Effect.mapBoth(handlers.onSuccess(response), {
            onFailure: (error) => retryable(error, true),
            onSuccess: done
          })
        }
        return Effect.flatMap(readFailure(response), (failed) => {
          if (!isTransient(failed.status)) return Effect.succeed(final(handlers.onFailure(failed)))
          const error = fromResponse(failed)
          return error._tag === "RateLimited" || error._tag === "ClerkApiError"
            ? Effect.fail(retryable(error, failed.status !== 429, failed.retryAfter))
            : Effect.succeed(final(error))
        })
      }
      // A connection that was never made (refused, unknown host) performed nothing: not ambiguous.
      const onRequestError = (error: HttpClientError.HttpClientError): Effect.Effect<Outcome, RetryableFailure> =>
        error._tag === "RequestError" && error.reason !== "Transport"
          ? Effect.succeed(final(new ClerkRequestError({ reason: error.reason, ...where, cause: error.cause })))
          : Effect.fail(
            retryable(new ClerkRequestError({ reason: "Transport", ...where, cause: error.cause }), !nothingSent(error.cause))
          )

      // One attempt, without its timer: Right(a) success, Left(e) a final error; a RetryableFailure
      // may pass if tried again.
      const prepared = prepare(request)
      const send: Effect.Effect<Outcome, RetryableFailure> = Effect.matchEffect(noRedirects(untraced.execute(prepared)), {
        onFailure: onRequestError,
        onSuccess: onResponse
      })
      // One attempt under a timer: the transport's own when it has one and the clock is the live
      // one (no fork), else a forked attempt raced against a timer (`Effect.timeoutFail` under a
      // TestClock).
      const timed = <E2>(duration: Duration.Duration, onTimeout: () => E2): Effect.Effect<Outcome, RetryableFailure | E2> => {
        const millis = Duration.toMillis(duration)
        if (within === undefined || !isLive(clock) || !isTimerDelay(millis)) return timeoutFail(send, duration, onTimeout)
        return Effect.matchEffect(within(prepared, millis), {
          onFailure: (error): Effect.Effect<Outcome, RetryableFailure | E2> =>
            error._tag === "RequestError" && error.cause instanceof AttemptTimedOut
              ? Effect.fail(onTimeout())
              : onRequestError(error),
          onSuccess: onResponse
        })
      }
      const attemptTimeout = () => retryable(new ClerkRequestError({ reason: "Timeout", ...where }), true)

      let ambiguous = false
      const reconcile = handlers.reconcile
      // The lookup, told when the first attempt left; a lookup that cannot reach Clerk fails as
      // this call's request, with the lookup's failure as the cause.
      const find = (found: NonNullable<typeof reconcile>) =>
        Effect.mapError(
          Effect.suspend(() => found.find({ includes: (serverMillis) => serverMillis > serverClock.threshold(startedAt) })),
          (error) =>
            error instanceof ClerkRequestError && (error.method !== where.method || error.path !== where.path)
              ? new ClerkRequestError({ reason: error.reason, ...where, cause: lookupFailed(error) })
              : error
        )
      const lookUp = (orElse: Effect.Effect<Outcome, RetryableFailure>): Effect.Effect<Outcome, RetryableFailure> =>
        reconcile === undefined || !ambiguous ? orElse : Effect.matchEffect(find(reconcile), {
          onFailure: (error) => Effect.succeed(final(error)),
          onSuccess: Option.match({ onNone: () => orElse, onSome: (a) => Effect.succeed(done(a)) })
        })
      const withinBudget = (failure: RetryableFailure) =>
        Option.match(failure.retryAfter, {
          onNone: () => Effect.succeed(true),
          onSome: (wait) =>
            Duration.greaterThan(wait, maxWait)
              ? Effect.succeed(false)
              : Effect.map(
                Clock.currentTimeMillis,
                (now) => now - startedAt + Duration.toMillis(wait) <= deadlineMillis
              )
        })

      const finish = (outcome: Outcome): Effect.Effect<A, E | CommonError> =>
        Either.match(outcome, {
          onRight: (a) => Effect.succeed(a),
          onLeft: (error): Effect.Effect<A, E | CommonError> =>
            ambiguous && reconcile !== undefined && reconcile.when(error)
              ? Effect.flatMap(
                find(reconcile),
                Option.match({ onNone: () => Effect.fail(error), onSome: (a) => Effect.succeed(a) })
              )
              : Effect.fail(error)
        })

      // After a retryable first attempt: the retry policy (as `Effect.retry` with `while`), the
      // reconcile lookups, all under what is left of the deadline.
      const recover = (first: RetryableFailure): Effect.Effect<A, E | CommonError> => {
        ambiguous ||= first.ambiguous
        // A later attempt: the reconcile lookup first when an earlier outcome was ambiguous.
        const again = Effect.suspend(() => {
          sentAt = clock.unsafeCurrentTimeMillis()
          return timed(timeout, attemptTimeout)
        })
        const attempt = Effect.suspend(() => lookUp(again)).pipe(
          Effect.tapError((failure) => Effect.sync(() => (ambiguous ||= failure.ambiguous)))
        )
        const retried: Effect.Effect<Outcome, RetryableFailure> = schedule === undefined
          ? Effect.fail(first)
          : Effect.flatMap(Schedule.driver(Schedule.whileInputEffect(schedule, withinBudget)), (driver) => {
            const loop = (failure: RetryableFailure): Effect.Effect<Outcome, RetryableFailure> =>
              Effect.matchEffect(driver.next(failure), {
                onFailure: () => Effect.fail(failure),
                onSuccess: () => Effect.catchAll(attempt, loop)
              })
            return loop(first)
          })
        const settled: Effect.Effect<Outcome> = Effect.catchAll(retried, (failure) =>
          Effect.catchAll(lookUp(Effect.succeed(final(failure.error))), (again) => Effect.succeed(final(again.error))))
        const left = Duration.millis(Math.max(0, deadlineMillis - (clock.unsafeCurrentTimeMillis() - startedAt)))
        return timeoutFail(Effect.flatMap(settled, finish), left, deadlineError)
      }

      // The first attempt: one timer, no retry machinery until something fails.
      const first: Effect.Effect<Outcome, RetryableFailure> = deadlineFirst
        ? timed(firstTimeout, () => final(deadlineError())).pipe(
          Effect.catchIf((outcome): outcome is Outcome => Either.isEither(outcome), Effect.succeed)
        )
        : timed(firstTimeout, attemptTimeout)

      return annotateThen(
        () => ({ "http.request.method": where.method, "url.path": where.path }),
        Effect.matchEffect(first, { onFailure: recover, onSuccess: finish })
      )
    })

  return ClerkClient.of({ httpClient, execute })
})

/**
 * Provides the shaped Clerk client from explicit options; requires an `HttpClient`. This layer
 * cannot fail: options that cannot work (`checkOptions`: a secret key that is empty or cannot be a
 * header value, an `apiUrl` that is not an http(s) URL, a `maxResponseBytes` that is not a
 * positive count) give a client that sends nothing and fails every call at once with
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
 * required, `secretKeyConfig`) and `CLERK_API_URL` (optional, `apiUrlConfig`). Bad values fail the
 * layer with a `ConfigError` naming the variable, before any request.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerConfig = (
  config: Config.Config.Wrap<Options> = {
    secretKey: secretKeyConfig,
    apiUrl: apiUrlConfig
  }
): Layer.Layer<ClerkClient, ConfigError.ConfigError, HttpClient.HttpClient> =>
  Layer.effect(
    ClerkClient,
    Effect.flatMap(Config.unwrap(config), (options) => {
      const problem = checkOptions(options)
      return problem === undefined ? make(options) : Effect.fail(problem)
    })
  )
