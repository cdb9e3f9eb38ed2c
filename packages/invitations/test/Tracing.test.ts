/**
 * Spans: each operation opens `Invitations.<operation>` (with method, path and status) when an
 * app has installed a tracer, and nothing at all under Effect's default tracer or with tracing
 * disabled, where a span would cost a tenth of a call and reach nobody. Either way the caller's
 * own span is never annotated by us.
 */
import { assert, describe, it } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as TestClock from "effect/TestClock"
import * as Layer from "effect/Layer"
import * as Stream from "effect/Stream"
import type { Invitations } from "@effect-clerk/invitations"
import { invitationJson, invitationsOver, json, makeFakeHttp, recordingTracer } from "./utils.js"

/** A client that answers every request well and records the span current when it was sent. */
const spanAtRequest = Effect.sync(() => {
  const seen: Array<string | undefined> = []
  const client = HttpClient.make((request, url, _signal, fiber) =>
    Effect.sync(() => {
      const span = fiber.currentSpan
      seen.push(span?._tag === "Span" ? span.name : undefined)
      const body = request.method === "GET"
        ? { data: [invitationJson()], total_count: 1 }
        : url.pathname.endsWith("/bulk")
        ? [invitationJson()]
        : invitationJson(url.pathname.endsWith("/revoke") ? { status: "revoked", revoked: true } : {})
      return HttpClientResponse.fromWeb(request, Response.json(body))
    })
  )
  return { seen, layer: Layer.succeed(HttpClient.HttpClient, client) }
})

const operations: ReadonlyArray<readonly [string, (service: Invitations.Service) => Effect.Effect<unknown, unknown>]> = [
  ["create", (service) => service.create({ emailAddress: "ada@example.com" })],
  ["createBulk", (service) => service.createBulk([{ emailAddress: "ada@example.com" }])],
  ["list", (service) => service.list({ limit: 5 })],
  ["stream.page", (service) => Stream.runDrain(service.stream({ pageSize: 5 }))],
  ["revoke", (service) => service.revoke("inv_3K1I63Ew6FCtVnc4qwZU69JqyZB")]
]

describe("spans", () => {
  for (const [name, run] of operations) {
    it.effect(`${name}: under an app's tracer, Invitations.${name} with method, path and status`, () =>
      Effect.gen(function*() {
        const { layer, seen } = yield* spanAtRequest
        const { spans, tracer } = yield* recordingTracer
        const service = yield* invitationsOver(layer)
        yield* run(service).pipe(Effect.withSpan("caller"), Effect.withTracer(tracer))
        assert.deepStrictEqual(seen, [`Invitations.${name}`])
        const span = spans.find((s) => s.name === `Invitations.${name}`)
        assert.isDefined(span)
        assert.strictEqual(span?.parent._tag === "Some" && span.parent.value._tag === "Span" ? span.parent.value.name : "", "caller")
        assert.strictEqual(span?.attributes.get("http.response.status_code"), 200)
        assert.include(["GET", "POST"], span?.attributes.get("http.request.method"))
        assert.match(String(span?.attributes.get("url.path")), /^\/invitations/)
        const caller = spans.find((s) => s.name === "caller")
        assert.deepStrictEqual([...(caller?.attributes.keys() ?? [])], [], "the caller's span is not annotated")
      }))

    it.effect(`${name}: under the default tracer, no span of ours and the caller's span untouched`, () =>
      Effect.gen(function*() {
        const { layer, seen } = yield* spanAtRequest
        const service = yield* invitationsOver(layer)
        const caller = yield* run(service).pipe(
          Effect.zipRight(Effect.currentSpan),
          Effect.withSpan("caller")
        )
        assert.deepStrictEqual(seen, ["caller"])
        assert.deepStrictEqual([...caller.attributes.keys()], [])
      }))

    it.effect(`${name}: with tracing disabled, no span even under an app's tracer`, () =>
      Effect.gen(function*() {
        const { layer, seen } = yield* spanAtRequest
        const { spans, tracer } = yield* recordingTracer
        const service = yield* invitationsOver(layer)
        yield* run(service).pipe(Effect.withTracer(tracer), Effect.withTracerEnabled(false))
        assert.deepStrictEqual(seen, [undefined])
        assert.deepStrictEqual(spans.map((s) => s.name), [])
      }))
  }

  it.effect("a reconcile lookup runs in Invitations.reconcile and leaves the operation's attributes alone", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request) =>
        request.method === "POST"
          ? json({ errors: [{ code: "internal", message: "boom" }] }, 500)
          : json({ data: [invitationJson()], total_count: 1 })
      )
      const { spans, tracer } = yield* recordingTracer
      const service = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(service.create({ emailAddress: "ada@example.com" }).pipe(Effect.withTracer(tracer)))
      yield* TestClock.adjust("1 minute")
      const created = yield* Fiber.join(fiber)
      assert.strictEqual(created.emailAddress, "ada@example.com")
      assert.deepStrictEqual((yield* Ref.get(fake.requests)).map((r) => r.method), ["POST", "GET"])
      const create = spans.find((s) => s.name === "Invitations.create")
      const reconcile = spans.find((s) => s.name === "Invitations.reconcile")
      assert.strictEqual(create?.attributes.get("http.request.method"), "POST")
      assert.strictEqual(create?.attributes.get("http.response.status_code"), 500)
      assert.strictEqual(reconcile?.attributes.get("http.request.method"), "GET")
      assert.strictEqual(reconcile?.attributes.get("http.response.status_code"), 200)
      assert.strictEqual(reconcile?.parent._tag === "Some" && reconcile.parent.value._tag === "Span" ? reconcile.parent.value.name : "", "Invitations.create")
    }))
})
