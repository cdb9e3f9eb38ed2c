/**
 * An `HttpClient` for Node over `undici`, made for JSON APIs: it reads each response body whole,
 * as undici hands it over, before the response is handed over. It is the client
 * `@effect-clerk/invitations` recommends on Node, and it suits any API whose answers are JSON
 * documents of a sensible size.
 *
 * `@effect/platform-node`'s `NodeHttpClient.layerUndici` streams bodies and pays for it on every
 * request, whether the body is ever read or not: an `AbortController`, a `FinalizationRegistry`
 * entry and a wrapper per response (so that a body nobody reads still gets its request aborted),
 * and a body cached in a `Deferred` behind a semaphore. A response read whole needs none of that:
 * there is nothing left to abort once the response exists. Each request goes through undici's
 * `Dispatcher.dispatch` with a handler of its own that collects the body's chunks, so there is no
 * `Readable`, no `AbortSignal` and no async resource per response either (undici's `request` API
 * makes all three). Over loopback, alone, it made 1.7–2.0x the small JSON POSTs and 1.4–1.7x the
 * reads of 100-item JSON lists of the platform's undici client at 32 concurrent calls when it
 * still used `request` (the repository's `BENCHMARKS.md`), and `dispatch` made 1.8x the small
 * requests of `request` on its own.
 *
 * What is the same: interrupting a request aborts it (one still waiting for a connection is never
 * sent), a bad URL fails with `RequestError` `"InvalidUrl"`, a failed connection with
 * `RequestError` `"Transport"`, and an unreadable body with `ResponseError` `"Decode"` when it is
 * read. Timeouts are left to Effect, as
 * the platform's clients leave them, unless `Options.timeout` is set: then each request is given
 * that long from start to last byte by a timer armed in the request's own promise, so that a timed
 * call forks no fiber (`Effect.timeout` forks one per call). A request that runs out of time is
 * aborted and fails with `RequestError` `"Transport"` whose `cause` is a `DOMException` named
 * `"TimeoutError"`, the reason `AbortSignal.timeout` aborts with. Under
 * `ClerkClient.layer({ timeout: "transport" })`, `@effect-clerk/invitations` leaves its per-attempt
 * timeout to this option.
 *
 * What differs: bodies are buffered, up to `maxBodyBytes` (64 MiB by default; no streaming of
 * large downloads, and `stream` emits the whole body at once), and the platform's `http.client`
 * span is only made (with its trace headers and `HttpClient.withScope` support) when tracing is
 * enabled for the request; a request run with tracing disabled (`Effect.withTracerEnabled(false)`,
 * `HttpClient.withTracerDisabledWhen`) takes a shorter path that opens no span. Both paths honour
 * `timeout` alike.
 *
 * @since 0.1.0
 */
import * as Cookies from "@effect/platform/Cookies"
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberRef from "effect/FiberRef"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Readable } from "node:stream"
import * as Undici from "undici"

type DispatchBody = Exclude<Undici.Dispatcher.DispatchOptions["body"], undefined>

/** Response headers as undici gives them: lowercase names, repeated ones as arrays. */
type IncomingHttpHeaders = Record<string, string | Array<string> | undefined>

/** A request body as undici takes it, and the content type it brings (a form's boundary). */
interface Outgoing {
  readonly body: DispatchBody
  readonly contentType?: string | undefined
}

const noBody: Outgoing = { body: null }

const encodeError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.RequestError({ request, reason: "Encode", cause })

const convertBody = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<Outgoing, HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(noBody)
    case "Uint8Array":
      return Effect.succeed({ body: body.body })
    case "Raw": {
      const raw = body.body
      if (typeof raw === "string" || raw instanceof Uint8Array || raw instanceof Readable) {
        return Effect.succeed({ body: raw })
      }
      return Effect.fail(encodeError(request, new TypeError("a raw body must be a string, a Uint8Array or a Readable")))
    }
    case "FormData": {
      // Encoded as fetch encodes it, boundary and all.
      const encoded = new Response(body.formData)
      return Effect.succeed({
        body: encoded.body === null ? null : Readable.from(encoded.body),
        contentType: encoded.headers.get("content-type") ?? undefined
      })
    }
    case "Stream":
      return Effect.map(Stream.toAsyncIterableEffect(body.stream), (chunks) => ({ body: Readable.from(chunks) }))
  }
}

const decoder = new TextDecoder()

/**
 * A response whose body was read whole: every accessor answers from the same bytes, as often as
 * asked. When reading the body failed, every body accessor fails with that cause.
 */
class BufferedResponse extends Inspectable.Class implements HttpClientResponse.HttpClientResponse {
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId

  constructor(
    readonly request: HttpClientRequest.HttpClientRequest,
    readonly status: number,
    private readonly rawHeaders: IncomingHttpHeaders,
    private readonly body: Either<ArrayBuffer>
  ) {
    super()
  }

  private cachedHeaders: Headers.Headers | undefined
  get headers(): Headers.Headers {
    return this.cachedHeaders ??= Headers.fromInput(this.rawHeaders)
  }

  private cachedCookies: Cookies.Cookies | undefined
  get cookies(): Cookies.Cookies {
    if (this.cachedCookies !== undefined) return this.cachedCookies
    const header = this.rawHeaders["set-cookie"]
    return this.cachedCookies = header === undefined
      ? Cookies.empty
      : Cookies.fromSetCookie(Array.isArray(header) ? header : [header])
  }

  get remoteAddress(): Option.Option<string> {
    return Option.none()
  }

  private decodeError(cause: unknown): HttpClientError.ResponseError {
    return new HttpClientError.ResponseError({ request: this.request, response: this, reason: "Decode", cause })
  }

  /** The body's bytes, or the reason they could not be read. */
  private read<A>(f: (bytes: ArrayBuffer) => A): Effect.Effect<A, HttpClientError.ResponseError> {
    const body = this.body
    return Effect.try({
      try: () => {
        if (!body.ok) throw body.error
        return f(body.value)
      },
      catch: (cause) => this.decodeError(cause)
    })
  }

  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return this.read((bytes) => bytes)
  }

  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return this.read((bytes) => decoder.decode(bytes))
  }

  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return this.read((bytes): unknown => {
      const text = decoder.decode(bytes)
      return text === "" ? null : JSON.parse(text)
    })
  }

  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return this.read((bytes) => UrlParams.fromInput(new URLSearchParams(decoder.decode(bytes))))
  }

  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.flatMap(this.arrayBuffer, (bytes) =>
      Effect.tryPromise({
        try: () => new Response(bytes, { headers: this.headers }).formData(),
        catch: (cause) => this.decodeError(cause)
      }))
  }

  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.map(this.arrayBuffer, (bytes) => new Uint8Array(bytes))
  }

  toJSON(): unknown {
    return { _id: "@effect/platform/HttpClientResponse", request: this.request.toJSON(), status: this.status }
  }
}

type Either<A> = { readonly ok: true; readonly value: A } | { readonly ok: false; readonly error: unknown }

/**
 * How the client reads bodies and times requests.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /**
   * The cap on a body held in memory, in bytes: a larger one is not read, its request is aborted,
   * and reading the response fails with `ResponseError` `"Decode"` caused by `BodyTooLarge`. Lower
   * it when the API's answers are small and a runaway body should fail early; `Infinity` for no
   * cap. Default `defaultMaxBodyBytes` (64 MiB).
   */
  readonly maxBodyBytes?: number | undefined
  /**
   * How long each request may take, from the moment it is sent to the last byte of its body (the
   * body is read whole anyway). A request that takes longer is aborted and fails with
   * `RequestError` `"Transport"` whose `cause` is a `DOMException` named `"TimeoutError"`.
   *
   * The timer is armed inside the request's own promise, so a timed request forks no fiber: set it
   * instead of wrapping each call in `Effect.timeout` when calls are many and small, or when a
   * client over it (such as `ClerkClient.layer({ timeout: "transport" })`) leaves its per-request
   * limit to the transport. Any duration above zero, up to about 24.8 days (`setTimeout`'s limit);
   * `Duration.infinity` for none. Default: no timeout (timeouts are left to Effect, as the
   * platform's clients leave them).
   */
  readonly timeout?: Duration.DurationInput | undefined
}

/**
 * The default cap on a response body: far above the answers of a JSON API (a page of 500 records
 * of a dozen fields is a few hundred KB), low enough that a runaway body fails instead of filling
 * memory.
 *
 * @since 0.1.0
 * @category constants
 */
export const defaultMaxBodyBytes = 64 * 1024 * 1024

/**
 * Why a body was not read: it is larger than `maxBodyBytes`.
 *
 * @since 0.1.0
 * @category errors
 */
export class BodyTooLarge extends Error {
  constructor(readonly maxBodyBytes: number) {
    super(`the response body is larger than maxBodyBytes (${maxBodyBytes} bytes)`)
    this.name = "BodyTooLarge"
  }
}

const declaredLength = (headers: IncomingHttpHeaders): number => {
  const value = headers["content-length"]
  const length = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : -1
  return Number.isSafeInteger(length) ? length : -1
}

/** The bytes of `chunks`, `size` in all, in an `ArrayBuffer` of their own. */
const concat = (chunks: ReadonlyArray<Uint8Array>, size: number): ArrayBuffer => {
  const whole = new Uint8Array(size)
  let offset = 0
  for (const bytes of chunks) {
    whole.set(bytes, offset)
    offset += bytes.byteLength
  }
  return whole.buffer
}

/**
 * One request in flight, as undici's `dispatch` handler: it collects the body's chunks as they
 * arrive and settles once, with the response read whole (`resolve`), or with the reason no response
 * arrived (`reject`). A body that cannot be read (larger than `maxBodyBytes`, cut off) still gives
 * the response, whose body accessors then fail with that cause.
 *
 * Buys: undici's `request` API wraps every response in a `Readable`, an `AbortSignal` listener and
 * an async resource, and `arrayBuffer()` consumes the stream through promises; a handler needs
 * none of them. Over loopback at 32 concurrent calls (raw undici, small JSON answers) `dispatch`
 * with this handler made 1.78x the requests of `request` plus `arrayBuffer()` (31,316 vs 17,603/s).
 */
class Exchange implements Undici.Dispatcher.DispatchHandler {
  private controller: Undici.Dispatcher.DispatchController | undefined
  /** Why the request was aborted by its caller (interrupted, out of time), if it was. */
  private abortedWith: Error | undefined
  private status = 0
  private headers: IncomingHttpHeaders | undefined
  private chunks: Array<Uint8Array> = []
  private size = 0
  private settled = false

  constructor(
    private readonly request: HttpClientRequest.HttpClientRequest,
    private readonly maxBodyBytes: number,
    private readonly resolve: (response: BufferedResponse) => void,
    private readonly reject: (cause: unknown) => void
  ) {}

  /** Aborts the request with `reason`, now or as soon as it starts: it then rejects. */
  abort(reason: Error): void {
    if (this.settled || this.abortedWith !== undefined) return
    this.abortedWith = reason
    this.controller?.abort(reason)
  }

  onRequestStart(controller: Undici.Dispatcher.DispatchController): void {
    this.controller = controller
    this.headers = undefined
    this.chunks = []
    this.size = 0
    if (this.abortedWith !== undefined) controller.abort(this.abortedWith)
  }

  onResponseStart(controller: Undici.Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx answers are informational: the response follows.
    if (statusCode < 200 || this.settled) return
    this.status = statusCode
    this.headers = headers
    // A declared length is held to by undici (a longer body is an error): refuse it at once.
    if (declaredLength(headers) > this.maxBodyBytes) this.tooLarge(controller)
  }

  onResponseData(controller: Undici.Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return
    this.size += chunk.byteLength
    if (this.size > this.maxBodyBytes) return this.tooLarge(controller)
    this.chunks.push(chunk)
  }

  onResponseEnd(): void {
    if (this.settled) return
    this.answer({ ok: true, value: concat(this.chunks, this.size) })
  }

  onResponseError(_controller: Undici.Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.settled) return
    // No response to hand over: none arrived, or its caller gave up on it.
    if (this.headers === undefined || this.abortedWith !== undefined) {
      this.settled = true
      this.chunks = []
      return this.reject(this.abortedWith ?? error)
    }
    this.answer({ ok: false, error })
  }

  /** The response, with its body read (or not); the request is done with. */
  private answer(body: Either<ArrayBuffer>): void {
    this.settled = true
    this.chunks = []
    this.resolve(new BufferedResponse(this.request, this.status, this.headers ?? {}, body))
  }

  /** A body larger than the cap: the response without it, and the request aborted. */
  private tooLarge(controller: Undici.Dispatcher.DispatchController): void {
    const error = new BodyTooLarge(this.maxBodyBytes)
    this.answer({ ok: false, error })
    controller.abort(error)
  }
}

/** What a request that ran out of time is aborted with: the reason `AbortSignal.timeout` uses. */
const timeoutError = (): DOMException => new DOMException("The operation was aborted due to timeout", "TimeoutError")

/** What an interrupted request is aborted with: the reason `AbortController.abort()` uses. */
const interruptedError = (): DOMException => new DOMException("This operation was aborted", "AbortError")

/**
 * The request as an effect: interrupting it aborts it, and so does `timeoutMillis` running out (a
 * `RequestError` caused by a `"TimeoutError"` `DOMException`). `outer`, the platform's signal on
 * the traced path, aborts it too.
 */
const sendEffect = (
  dispatcher: Undici.Dispatcher,
  maxBodyBytes: number,
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  outgoing: Outgoing,
  timeoutMillis: number | undefined,
  outer?: AbortSignal
): Effect.Effect<BufferedResponse, HttpClientError.RequestError> =>
  Effect.async<BufferedResponse, HttpClientError.RequestError>((resume) => {
    let timedOut: DOMException | undefined
    const settle = () => {
      if (timer !== undefined) clearTimeout(timer)
      outer?.removeEventListener("abort", onOuterAbort)
    }
    const exchange = new Exchange(
      request,
      maxBodyBytes,
      (response) => {
        settle()
        resume(Effect.succeed(response))
      },
      (cause) => {
        settle()
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: timedOut ?? cause })))
      }
    )
    const timer = timeoutMillis === undefined ? undefined : setTimeout(() => {
      timedOut = timeoutError()
      exchange.abort(timedOut)
    }, timeoutMillis)
    const onOuterAbort = () => exchange.abort(outer?.reason instanceof Error ? outer.reason : interruptedError())
    outer?.addEventListener("abort", onOuterAbort, { once: true })
    try {
      dispatcher.dispatch({
        method: request.method,
        headers: outgoing.contentType === undefined
          ? request.headers
          : { ...request.headers, "content-type": outgoing.contentType },
        origin: url.origin,
        path: url.pathname + url.search + url.hash,
        body: outgoing.body,
        // Timeouts are Effect's (`Effect.timeout`), or `Options.timeout` armed above.
        headersTimeout: 60 * 60 * 1000,
        bodyTimeout: 0
      }, exchange)
    } catch (cause) {
      // A dispatcher that throws instead of calling `onResponseError`.
      exchange.onResponseError(undefined, cause instanceof Error ? cause : new Error(String(cause)))
    }
    return Effect.sync(() => {
      settle()
      exchange.abort(interruptedError())
    })
  })

/** The largest delay `setTimeout` keeps (a longer one fires at once, with a warning). */
const maxTimerMillis = 2 ** 31 - 1

/** `Options.timeout` in milliseconds, `undefined` for none; a `RangeError` for a duration it cannot be. */
const timeoutMillisOf = (timeout: Duration.DurationInput | undefined): number | undefined => {
  if (timeout === undefined) return undefined
  const duration = Duration.decode(timeout)
  if (!Duration.isFinite(duration)) return undefined
  const millis = Duration.toMillis(duration)
  if (!(millis > 0 && millis <= maxTimerMillis)) {
    throw new RangeError(
      `UndiciHttpClient: timeout must be above zero and at most ${maxTimerMillis} ms (or Duration.infinity for none), not ${Duration.format(duration)}`
    )
  }
  return millis
}

/**
 * Builds the client over an undici `Dispatcher` (an `Agent`, a `Pool`, a `MockAgent` in specs; any
 * dispatcher that speaks undici 7's handler API, `onRequestStart` and `onResponse*`, as undici's own do).
 * Throws a `RangeError` when `maxBodyBytes` or `timeout` is out of range.
 *
 * @since 0.1.0
 * @category constructors
 */
export const make = (dispatcher: Undici.Dispatcher, options: Options = {}): HttpClient.HttpClient => {
  const max = options.maxBodyBytes ?? defaultMaxBodyBytes
  if (!(max === Infinity || (Number.isSafeInteger(max) && max >= 0))) {
    throw new RangeError(`UndiciHttpClient: maxBodyBytes must be a whole number of bytes or Infinity, not ${max}`)
  }
  const timeoutMillis = timeoutMillisOf(options.timeout)
  // The platform's path, spans and all, for requests that are traced.
  const traced = HttpClient.make((request, url, signal) =>
    Effect.flatMap(convertBody(request), (outgoing) => sendEffect(dispatcher, max, request, url, outgoing, timeoutMillis, signal))
  )
  const untraced = (
    request: HttpClientRequest.HttpClientRequest
  ): Effect.Effect<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError> => {
    const url = UrlParams.makeUrl(request.url, request.urlParams, request.hash)
    if (url._tag === "Left") {
      return Effect.fail(new HttpClientError.RequestError({ request, reason: "InvalidUrl", cause: url.left }))
    }
    return Effect.flatMap(
      convertBody(request),
      (outgoing) => sendEffect(dispatcher, max, request, url.right, outgoing, timeoutMillis)
    )
  }
  return HttpClient.makeWith<never, never, HttpClientError.HttpClientError, never>(
    (effect) =>
      Effect.flatMap(effect, (request) =>
        Effect.withFiberRuntime<HttpClientResponse.HttpClientResponse, HttpClientError.HttpClientError>((fiber) =>
          fiber.getFiberRef(FiberRef.currentTracerEnabled) &&
            !fiber.getFiberRef(HttpClient.currentTracerDisabledWhen)(request)
            ? traced.execute(request)
            : untraced(request)
        )),
    Effect.succeed
  )
}

/**
 * The client over a new undici `Agent` (keep-alive connection pools), closed with the layer, with
 * `options` (say `layerWith({ timeout: "10 seconds" })`). Options out of range (see `make`) make
 * the layer die when it is built.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerWith = (options: Options): Layer.Layer<HttpClient.HttpClient> =>
  Layer.scoped(
    HttpClient.HttpClient,
    Effect.map(
      Effect.acquireRelease(
        Effect.sync(() => new Undici.Agent()),
        (agent) => Effect.promise(() => agent.destroy())
      ),
      (agent) => make(agent, options)
    )
  )

/**
 * The client over a new undici `Agent`, with the default options: bodies up to 64 MiB, no timeout.
 *
 * @since 0.1.0
 * @category layers
 */
export const layer: Layer.Layer<HttpClient.HttpClient> = layerWith({})

/**
 * The client over a dispatcher of the app's (shared pools, a proxy `ProxyAgent`, a `MockAgent`);
 * the app keeps it and closes it. Options out of range (see `make`) make the layer die when it is
 * built.
 *
 * @since 0.1.0
 * @category layers
 */
export const layerDispatcher = (dispatcher: Undici.Dispatcher, options: Options = {}): Layer.Layer<HttpClient.HttpClient> =>
  Layer.sync(HttpClient.HttpClient, () => make(dispatcher, options))
