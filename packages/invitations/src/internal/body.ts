/**
 * Reads response bodies within a byte limit, on any `HttpClient`, and parses them once.
 *
 * `bufferBody` reads a body as a stream with a byte counter and stops as soon as the count passes
 * the limit: stopping the platform's `response.stream` aborts its request (the connection is
 * closed), so a body that never ends costs at most the limit, whatever the transport. A declared
 * `Content-Length` beyond the limit fails at the first chunk. A declared length within the limit,
 * without `Content-Encoding`, is read with `response.arrayBuffer`: HTTP framing already stops
 * the transport at that length, and the platform caches the bytes off-heap (see below).
 *
 * The body comes back as a `BufferedResponse`: the same status, headers and request, with a body
 * already read. Its `json` decodes the bytes (`TextDecoder`, then one `JSON.parse`) and checks
 * that the value is nested at most `maxJsonDepth` levels deep (iteratively, so a hostile body
 * cannot overflow the stack); `readJson` reads it so. A body that
 * could not be read (too large, a dropped connection, not JSON, too deep) fails only when it is
 * read, with a `ResponseError` `"Decode"` that says why, as the platform's own accessors do.
 *
 * Why `arrayBuffer` rather than `text` or `json`: the platform caches a body in a `Deferred`, and
 * V8 soon allocates that `Deferred`'s completed state straight in old space (allocation-site
 * pretenuring): an old object pointing at the young body text keeps it alive through every young
 * collection, so each page of a list (~84 KB for 100 invitations) is copied and promoted. Cached as
 * an `ArrayBuffer`, the body's bytes live off-heap; the text decoded here is referenced only by
 * this call and dies young.
 *
 * `TextDecoder` decodes UTF-8 and drops a byte-order mark, as `Response.text()` does; an empty
 * body reads as `null`, as the platform's `json` has it.
 *
 * When something else read the body first (a middleware calling `response.json` or `text`), the
 * stream fails before its first chunk: the body is then read through `response.json`, whose cache
 * holds it (it was read whole already). (`NodeHttpClient.layer`, the `node:http` one, caches no
 * body: a body read by middleware cannot be read again there, with or without this module.)
 *
 * @internal
 */
import type * as Cookies from "@effect/platform/Cookies"
import type * as Headers from "@effect/platform/Headers"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as HttpIncomingMessage from "@effect/platform/HttpIncomingMessage"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Inspectable from "effect/Inspectable"
import type * as Option from "effect/Option"
import * as Stream from "effect/Stream"

const decoder = new TextDecoder()

/**
 * The deepest nesting a JSON body may have: a page (1), its `data` (2), an invitation (3), its
 * `public_metadata` (4) and 60 levels inside it. Clerk caps metadata at 8 KB; deeper values could
 * not be printed, logged, cloned or stringified (`RangeError`).
 *
 * @internal
 */
export const maxJsonDepth = 64

const hasOwn = Object.prototype.hasOwnProperty

/**
 * Whether `root` nests objects or arrays more than `max` levels deep (`root` itself is level 1).
 * It never looks below level `max + 1`, so it recurses at most that deep however deep the value
 * goes, and it allocates nothing: a 100-item page is checked in ~7 µs (an explicit stack of
 * values and depths took ~28 µs, and its garbage).
 *
 * @internal
 */
export const nestedDeeperThan = (root: unknown, max: number): boolean => {
  if (typeof root !== "object" || root === null) return false
  if (max <= 0) return true
  if (Array.isArray(root)) {
    for (const item of root) {
      if (nestedDeeperThan(item, max - 1)) return true
    }
    return false
  }
  for (const key in root) {
    if (hasOwn.call(root, key) && nestedDeeperThan(Reflect.get(root, key), max - 1)) return true
  }
  return false
}

const formatBytes = (bytes: number) =>
  bytes % 1048576 === 0 ? `${bytes / 1048576} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`

const decodeError = (response: HttpClientResponse.HttpClientResponse, description: string, cause?: unknown) =>
  new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", description, cause })

/** Parses bytes as JSON within `maxJsonDepth`; an empty body is `null`. @internal */
const parseJson = (
  response: HttpClientResponse.HttpClientResponse,
  bytes: Uint8Array
): Either.Either<unknown, HttpClientError.ResponseError> => {
  let json: unknown
  try {
    const text = decoder.decode(bytes)
    json = text === "" ? null : JSON.parse(text)
  } catch (cause) {
    return Either.left(decodeError(response, "the body is not JSON", cause))
  }
  return nestedDeeperThan(json, maxJsonDepth)
    ? Either.left(decodeError(response, `the body is nested more than ${maxJsonDepth} levels deep`))
    : Either.right(json)
}

/**
 * A response whose body was read already, within a limit: what `ClerkClient` hands to an
 * operation's handlers. Its bytes are read once; `json` parses them each time it is read (the
 * client reads it once). The parsed value is not kept: whatever holds the response a while (a
 * timer's fiber keeps the response it raced for) would keep a whole page of objects alive with it.
 *
 * @internal
 */
export class BufferedResponse implements HttpClientResponse.HttpClientResponse {
  readonly [HttpClientResponse.TypeId]: HttpClientResponse.TypeId = HttpClientResponse.TypeId
  readonly [HttpIncomingMessage.TypeId]: HttpIncomingMessage.TypeId = HttpIncomingMessage.TypeId
  constructor(
    readonly original: HttpClientResponse.HttpClientResponse,
    /** The body's bytes, or why they could not be read. */
    readonly body: Either.Either<Uint8Array, HttpClientError.ResponseError>
  ) {}

  get request(): HttpClientRequest.HttpClientRequest {
    return this.original.request
  }
  get status(): number {
    return this.original.status
  }
  get headers(): Headers.Headers {
    return this.original.headers
  }
  get cookies(): Cookies.Cookies {
    return this.original.cookies
  }
  get remoteAddress(): Option.Option<string> {
    return this.original.remoteAddress
  }
  /** The body as JSON, within `maxJsonDepth`. */
  get json(): Effect.Effect<unknown, HttpClientError.ResponseError> {
    return Effect.suspend(() => Either.flatMap(this.body, (bytes) => parseJson(this, bytes)))
  }
  get text(): Effect.Effect<string, HttpClientError.ResponseError> {
    return Effect.map(this.body, (bytes) => decoder.decode(bytes))
  }
  get arrayBuffer(): Effect.Effect<ArrayBuffer, HttpClientError.ResponseError> {
    return Effect.map(this.body, (bytes) => {
      const copy = new Uint8Array(bytes.byteLength)
      copy.set(bytes)
      return copy.buffer
    })
  }
  get stream(): Stream.Stream<Uint8Array, HttpClientError.ResponseError> {
    return Stream.fromEffect(this.body)
  }
  get urlParamsBody(): Effect.Effect<UrlParams.UrlParams, HttpClientError.ResponseError> {
    return Effect.map(this.text, (text) => UrlParams.fromInput(new URLSearchParams(text)))
  }
  get formData(): Effect.Effect<FormData, HttpClientError.ResponseError> {
    return Effect.fail(decodeError(this, "a Clerk response is JSON, not form data"))
  }
  toJSON(): unknown {
    return this.original.toJSON()
  }
  toString(): string {
    return Inspectable.format(this.toJSON())
  }
  [Inspectable.NodeInspectSymbol](): unknown {
    return this.toJSON()
  }
}

const declaredLength = (response: HttpClientResponse.HttpClientResponse): number | undefined => {
  const value = response.headers["content-length"]
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  return Number(value)
}

const isIdentity = (response: HttpClientResponse.HttpClientResponse) => {
  const encoding = response.headers["content-encoding"]
  return encoding === undefined || encoding === "" || encoding.toLowerCase() === "identity"
}

const mayHaveBody = (response: HttpClientResponse.HttpClientResponse) =>
  response.status !== 204 && response.status !== 304 && response.request.method !== "HEAD" &&
  response.headers["content-length"] !== "0"

const tooLarge = (response: HttpClientResponse.HttpClientResponse, maxBytes: number) =>
  decodeError(response, `the body is larger than ${formatBytes(maxBytes)} (the client's maxResponseBytes); it was not read`)

/** Reads the body as a stream, counting bytes; stopping early aborts the request. */
const readStream = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number,
  declaredTooLarge: boolean
): Effect.Effect<Uint8Array, HttpClientError.ResponseError> =>
  Effect.suspend(() => {
    const chunks: Array<Uint8Array> = []
    let total = 0
    let started = false
    const onChunk = (chunk: Uint8Array): Effect.Effect<void, HttpClientError.ResponseError> => {
      started = true
      total += chunk.byteLength
      if (declaredTooLarge || total > maxBytes) {
        chunks.length = 0
        return Effect.fail(tooLarge(response, maxBytes))
      }
      chunks.push(chunk)
      return Effect.void
    }
    // Read by someone else before (a middleware): the stream fails, or ends at once, and the
    // platform's cache holds the text (read whole already, so no limit is left to protect).
    const cached = Effect.flatMap(response.text, (text) => {
      const bytes = new TextEncoder().encode(text)
      return bytes.byteLength > maxBytes ? Effect.fail(tooLarge(response, maxBytes)) : Effect.succeed(bytes)
    })
    return Stream.runForEach(response.stream, onChunk).pipe(
      Effect.flatMap(() =>
        total === 0 && mayHaveBody(response)
          ? Effect.orElseSucceed(cached, () => new Uint8Array(0))
          : Effect.sync(() => concat(chunks, total))
      ),
      Effect.catchIf(
        (error) => !started && error.reason === "EmptyBody",
        () => Effect.succeed(new Uint8Array(0))
      ),
      Effect.catchIf((error) => !started && error.reason === "Decode" && error.description === undefined, () => cached),
      // `fetch`'s body stream throws when it is locked (read by a middleware): not a defect here.
      Effect.catchAllDefect((defect) =>
        started ? Effect.fail(decodeError(response, "the body could not be read", defect)) : cached
      )
    )
  })

const concat = (chunks: ReadonlyArray<Uint8Array>, total: number): Uint8Array => {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  const bytes = new Uint8Array(total)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.byteLength
  }
  return bytes
}

/**
 * Reads the whole body of `response`, at most `maxBytes` of it, and returns the response with the
 * body in hand; never fails (a body that could not be read fails when it is read).
 *
 * @internal
 */
export const bufferBody = (
  response: HttpClientResponse.HttpClientResponse,
  maxBytes: number
): Effect.Effect<BufferedResponse> => {
  if (response instanceof BufferedResponse) return Effect.succeed(response)
  const declared = declaredLength(response)
  const read = declared !== undefined && declared <= maxBytes && isIdentity(response)
    ? Effect.matchEffect(response.arrayBuffer, {
      onFailure: () => readStream(response, maxBytes, false),
      onSuccess: (buffer) =>
        buffer.byteLength > maxBytes ? Effect.fail(tooLarge(response, maxBytes)) : Effect.succeed(new Uint8Array(buffer))
    })
    : readStream(response, maxBytes, declared !== undefined && declared > maxBytes)
  return Effect.map(Effect.either(read), (body) => new BufferedResponse(response, body))
}

/**
 * The body parsed as JSON, within `maxJsonDepth`; a body that is not JSON fails as the platform's
 * `json` does. A `BufferedResponse` answers from what it read; any other response is read whole.
 *
 * @internal
 */
export const readJson = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<unknown, HttpClientError.ResponseError> => {
  if (response instanceof BufferedResponse) return response.json
  return Effect.matchEffect(response.arrayBuffer, {
    onFailure: () =>
      Effect.flatMap(response.json, (json) =>
        nestedDeeperThan(json, maxJsonDepth)
          ? Effect.fail(decodeError(response, `the body is nested more than ${maxJsonDepth} levels deep`))
          : Effect.succeed(json)),
    onSuccess: (buffer) => parseJson(response, new Uint8Array(buffer))
  })
}
