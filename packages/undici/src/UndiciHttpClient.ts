/**
 * An `HttpClient` for Node over `undici`, made for JSON APIs: it reads each response body whole,
 * in the same promise as the request, before the response is handed over. It is the client
 * `@effect-clerk/invitations` recommends on Node, and it suits any API whose answers are JSON
 * documents of a sensible size.
 *
 * `@effect/platform-node`'s `NodeHttpClient.layerUndici` streams bodies and pays for it on every
 * request, whether the body is ever read or not: an `AbortController`, a `FinalizationRegistry`
 * entry and a wrapper per response (so that a body nobody reads still gets its request aborted),
 * and a body cached in a `Deferred` behind a semaphore. A response read whole in the request's own
 * promise needs none of that: there is nothing left to abort once the response exists. Over
 * loopback, alone, it made 1.7–2.0x the small JSON POSTs and 1.4–1.7x the reads of 100-item JSON
 * lists of the platform's undici client at 32 concurrent calls (the repository's `BENCHMARKS.md`).
 *
 * What is the same: interrupting a request aborts it (`AbortSignal`), a bad URL fails with
 * `RequestError` `"InvalidUrl"`, a failed connection with `RequestError` `"Transport"`, and an
 * unreadable body with `ResponseError` `"Decode"` when it is read. Timeouts are left to Effect, as
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
    private readonly rawHeaders: Record<string, string | Array<string> | undefined>,
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

const ignore = (): void => {}

/** The body whole, or `BodyTooLarge` as soon as it passes `max` bytes (the body is then destroyed). */
const readBody = async (body: Undici.Dispatcher.ResponseData["body"], declared: number, max: number): Promise<ArrayBuffer> => {
  // Destroying a body undici has not finished emits an abort error: nobody else listens for it.
  const discard = () => {
    body.on("error", ignore)
    body.destroy()
  }
  if (declared > max) {
    discard()
    throw new BodyTooLarge(max)
  }
  // A declared length is held to by undici (a longer body is an error): read it at once.
  if (declared >= 0 || max === Infinity) return body.arrayBuffer()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for await (const chunk of body) {
    const bytes: unknown = chunk
    if (!(bytes instanceof Uint8Array)) throw new TypeError("undici yielded a body chunk that is not bytes")
    size += bytes.byteLength
    if (size > max) {
      discard()
      throw new BodyTooLarge(max)
    }
    chunks.push(bytes)
  }
  const whole = new Uint8Array(size)
  let offset = 0
  for (const bytes of chunks) {
    whole.set(bytes, offset)
    offset += bytes.byteLength
  }
  return whole.buffer
}

const declaredLength = (headers: Record<string, string | Array<string> | undefined>): number => {
  const value = headers["content-length"]
  const length = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : -1
  return Number.isSafeInteger(length) ? length : -1
}

/** Sends one request and reads its body whole; rejects only when no response arrived. */
const send = async (
  dispatcher: Undici.Dispatcher,
  maxBodyBytes: number,
  request: HttpClientRequest.HttpClientRequest,
  url: URL,
  outgoing: Outgoing,
  signal: AbortSignal
): Promise<BufferedResponse> => {
  const response = await dispatcher.request({
    signal,
    method: request.method,
    headers: outgoing.contentType === undefined
      ? request.headers
      : { ...request.headers, "content-type": outgoing.contentType },
    origin: url.origin,
    path: url.pathname + url.search + url.hash,
    body: outgoing.body,
    // Timeouts are Effect's (`Effect.timeout`), or `Options.timeout` armed in `sendEffect`.
    headersTimeout: 60 * 60 * 1000,
    bodyTimeout: 0
  })
  let read: Either<ArrayBuffer>
  try {
    read = { ok: true, value: await readBody(response.body, declaredLength(response.headers), maxBodyBytes) }
  } catch (error) {
    // Aborted (interrupted or out of time): there is no response to hand over.
    if (signal.aborted) throw error
    read = { ok: false, error }
  }
  return new BufferedResponse(request, response.statusCode, response.headers, read)
}

/** What a request that ran out of time is aborted with: the reason `AbortSignal.timeout` uses. */
const timeoutError = (): DOMException => new DOMException("The operation was aborted due to timeout", "TimeoutError")

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
    const controller = new AbortController()
    let timedOut: DOMException | undefined
    const timer = timeoutMillis === undefined ? undefined : setTimeout(() => {
      timedOut = timeoutError()
      controller.abort(timedOut)
    }, timeoutMillis)
    const onOuterAbort = () => controller.abort(outer?.reason)
    outer?.addEventListener("abort", onOuterAbort, { once: true })
    const settle = () => {
      if (timer !== undefined) clearTimeout(timer)
      outer?.removeEventListener("abort", onOuterAbort)
    }
    send(dispatcher, maxBodyBytes, request, url, outgoing, controller.signal).then(
      (response) => {
        settle()
        resume(
          timedOut === undefined
            ? Effect.succeed(response)
            : Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: timedOut }))
        )
      },
      (cause: unknown) => {
        settle()
        resume(Effect.fail(new HttpClientError.RequestError({ request, reason: "Transport", cause: timedOut ?? cause })))
      }
    )
    return Effect.sync(() => {
      settle()
      controller.abort()
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
 * Builds the client over an undici `Dispatcher` (an `Agent`, a `Pool`, a `MockAgent` in specs).
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
