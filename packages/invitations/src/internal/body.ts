/**
 * Reads a JSON response body through `response.arrayBuffer` rather than `response.json`.
 *
 * Both are the platform's public accessors, and both abort the request when interrupted. But the
 * platform caches a body in a `Deferred`, and V8 soon allocates that `Deferred`'s completed state
 * straight in old space (allocation-site pretenuring): an old object pointing at the young body
 * text keeps it alive through every young collection, so each page of a list (~84 KB for 100
 * invitations) is copied and promoted, and old space fills with dead pages. Cached as an
 * `ArrayBuffer`, the body's bytes live off-heap; the text decoded here is referenced only by this
 * call and dies young. Measured over loopback: promotion per 100-item page from ~84 KB to ~3 KB,
 * and about a third less CPU per sequential call.
 *
 * `TextDecoder` decodes UTF-8 and drops a byte-order mark, as `Response.text()` does; an empty
 * body reads as `null`, as the platform's `json` has it.
 *
 * When something else read the body first (a middleware calling `response.json` or `text`, which
 * the platform caches apart from `arrayBuffer`), the bytes are gone and `arrayBuffer` fails: the
 * body is then read through `response.json`, whose cache holds it. (`NodeHttpClient.layer`, the
 * `node:http` one, caches neither: a body read by middleware cannot be read again there, with or
 * without this module; `layerUndici` and `FetchHttpClient` are fine.)
 *
 * @internal
 */
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"

const decoder = new TextDecoder()

/** The body parsed as JSON; a body that is not JSON fails as the platform's `json` does. @internal */
export const readJson = (
  response: HttpClientResponse.HttpClientResponse
): Effect.Effect<unknown, HttpClientError.ResponseError> =>
  Effect.matchEffect(response.arrayBuffer, {
    onFailure: () => response.json,
    onSuccess: (bytes) =>
      Effect.try({
        try: (): unknown => {
          const text = decoder.decode(bytes)
          return text === "" ? null : JSON.parse(text)
        },
        catch: (cause) => new HttpClientError.ResponseError({ request: response.request, response, reason: "Decode", cause })
      })
  })
