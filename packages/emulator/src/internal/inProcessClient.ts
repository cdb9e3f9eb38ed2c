/**
 * An `HttpClient` that answers from the emulator in the calling fiber, without sockets: the
 * client request becomes a web `Request`, then an `HttpServerRequest`; the emulator's response
 * goes back through a web `Response`, so headers, bodies and statuses are what a socket would
 * carry. The request runs in a daemon fiber forked from the caller, so the caller's `Clock` (a
 * `TestClock` in specs) and `Random` drive the emulator, and, like a real server, the emulator
 * finishes a request whose caller gave up (timed out or was interrupted). A dropped connection
 * fails the call with a transport `RequestError`.
 *
 * @internal
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import type { Dropped } from "./handler.js"

const encodeError = (request: HttpClientRequest.HttpClientRequest, cause: unknown) =>
  new HttpClientError.RequestError({ request, reason: "Encode", cause })

const bodyInit = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<RequestInit["body"], HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed(undefined)
    case "Uint8Array":
      return Effect.succeed(new Uint8Array(body.body))
    case "FormData":
      return Effect.succeed(body.formData)
    case "Stream":
      return Stream.runCollect(body.stream).pipe(
        Effect.map((chunks) => Buffer.concat(Chunk.toReadonlyArray(chunks))),
        Effect.mapError((cause) => encodeError(request, cause))
      )
    case "Raw": {
      const raw = body.body
      return raw instanceof Uint8Array
        ? Effect.succeed(new Uint8Array(raw))
        : typeof raw === "string" || raw instanceof ArrayBuffer || raw instanceof Blob || raw instanceof URLSearchParams
        ? Effect.succeed(raw)
        : Effect.fail(encodeError(request, new TypeError("unsupported raw body for the in-process emulator client")))
    }
  }
}

/** Builds the in-process client over the emulator's app (the one the server serves). */
export const make = (app: HttpApp.Default<Dropped>): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = yield* bodyInit(request)
      const headers = Object.entries(request.headers).filter(([name]) => name !== "content-length")
      const web = yield* Effect.try({
        try: () => new Request(url, { method: request.method, headers, body: body ?? null }),
        catch: (cause) => encodeError(request, cause)
      })
      const running = yield* Effect.forkDaemon(
        Effect.provideService(app, HttpServerRequest.HttpServerRequest, HttpServerRequest.fromWeb(web))
      )
      const response = yield* Fiber.join(running).pipe(
        Effect.catchTag("Dropped", () =>
          new HttpClientError.RequestError({
            request,
            reason: "Transport",
            description: "the Clerk emulator dropped the connection (injected fault)"
          }))
      )
      return HttpClientResponse.fromWeb(request, HttpServerResponse.toWeb(response))
    })
  )
