/**
 * Test helpers: a recording `HttpClient.make` stub and the live stack over any `HttpClient`.
 */
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Tracer from "effect/Tracer"

/** A request as the stub saw it, with the body parsed. */
export interface Recorded {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
  readonly body: unknown
  readonly signal: AbortSignal
}

/** The secret the tests use. */
export const secret = "sk_test_unit_secret_value_1234567890"

const bodyOf = (request: HttpClientRequest.HttpClientRequest): unknown => {
  const body = request.body
  if (body._tag === "Uint8Array") return JSON.parse(new TextDecoder().decode(body.body))
  return body._tag === "Empty" ? undefined : body._tag
}

/** What a stub may answer: a response, an effect of one, or `reset` (the connection drops). */
export type Reply = Response | Effect.Effect<Response> | "reset"

/** A stub `HttpClient` that records every request and answers with `reply(request, n)` (n from 1). */
export const makeFakeHttp = (reply: (request: Recorded, n: number) => Reply) =>
  Effect.gen(function*() {
    const requests = yield* Ref.make<ReadonlyArray<Recorded>>([])
    const client = HttpClient.make((request, url, signal) =>
      Effect.gen(function*() {
        const recorded: Recorded = { method: request.method, url, headers: request.headers, body: bodyOf(request), signal }
        const all = yield* Ref.updateAndGet(requests, (rs) => [...rs, recorded])
        const answer = reply(recorded, all.length)
        if (answer === "reset") {
          return yield* new HttpClientError.RequestError({ request, reason: "Transport", cause: new Error("socket hang up") })
        }
        const response = Effect.isEffect(answer) ? yield* answer : answer
        return HttpClientResponse.fromWeb(request, response)
      })
    )
    return { requests, layer: Layer.succeed(HttpClient.HttpClient, client) }
  })

/** `Invitations.layer` over `ClerkClient.layer` over the given `HttpClient` layer. */
export const live = <E, R>(
  http: Layer.Layer<HttpClient.HttpClient, E, R>,
  options: Partial<ClerkClient.Options> = {}
) =>
  Invitations.layer.pipe(
    Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(secret), ...options })),
    Layer.provide(http)
  )

/** The Invitations service over a stub, as an Effect. */
export const invitationsOver = <E, R>(
  http: Layer.Layer<HttpClient.HttpClient, E, R>,
  options: Partial<ClerkClient.Options> = {}
) => Effect.provide(Invitations.Invitations, live(http, options))

/** A Clerk invitation as JSON, as the wire carries it. */
export const invitationJson = (overrides: Record<string, unknown> = {}) => ({
  object: "invitation" as const,
  id: "inv_3K1I63Ew6FCtVnc4qwZU69JqyZB",
  email_address: "ada@example.com",
  public_metadata: {},
  status: "pending",
  url: "https://clerk.example.com/v1/tickets/accept?ticket=eyJ.x.y",
  expires_at: 1793310468755,
  created_at: 1790718468757,
  updated_at: 1790718468757,
  ...overrides
})

/** A JSON response with Clerk's exact content type. */
export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } })

/** A Clerk error response. */
export const clerkError = (
  status: number,
  code: string,
  extra: { message?: string; long_message?: string; meta?: Record<string, unknown>; headers?: Record<string, string> } = {}
) =>
  json(
    {
      errors: [{
        code,
        message: extra.message ?? code,
        long_message: extra.long_message ?? extra.message ?? code,
        ...(extra.meta ? { meta: extra.meta } : {})
      }],
      clerk_trace_id: "trace_123"
    },
    status,
    extra.headers
  )

/** A tracer that records every span it is asked for (the default tracer's spans, kept). */
export const recordingTracer = Effect.map(Effect.tracer, (native) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = native.span(...args)
      spans.push(span)
      return span
    },
    context: native.context
  })
  return { spans, tracer }
})
