/**
 * Hostile answers: whatever Clerk (or something pretending to be it) sends back, every operation
 * fails with a typed error or succeeds; nothing becomes a defect. And fuzzed params never send an
 * invalid request.
 */
import { ClerkError, Invitation } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as FastCheck from "effect/FastCheck"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { invitationJson, invitationsOver, json, makeFakeHttp } from "./utils.js"

const tags = new Set(["DuplicateEmail", "InvitationNotFound", "InvitationNotRevocable", "Unauthorized", "RateLimited", "InvalidRequest", "ClerkApiError", "ClerkRequestError"])

const body = FastCheck.oneof(
  // random JSON
  FastCheck.jsonValue().map((v) => JSON.stringify(v)),
  // truncated JSON of a real answer
  FastCheck.tuple(FastCheck.constantFrom(JSON.stringify(invitationJson()), JSON.stringify({ data: [invitationJson()], total_count: 1 }), JSON.stringify([invitationJson()])), FastCheck.nat())
    .map(([text, n]) => text.slice(0, n % text.length)),
  // the right shape with wrong types
  FastCheck.record({
    key: FastCheck.constantFrom("id", "email_address", "status", "created_at", "public_metadata", "expires_at", "object", "revoked", "data", "total_count"),
    value: FastCheck.oneof(FastCheck.string(), FastCheck.integer(), FastCheck.boolean(), FastCheck.constant(null), FastCheck.array(FastCheck.integer(), { maxLength: 3 }))
  }).map(({ key, value }) => JSON.stringify({ ...invitationJson(), [key]: value })),
  // error bodies of every shape
  FastCheck.record({ errors: FastCheck.array(FastCheck.dictionary(FastCheck.string(), FastCheck.jsonValue(), { maxKeys: 4 }), { maxLength: 3 }), clerk_trace_id: FastCheck.jsonValue() })
    .map((v) => JSON.stringify(v)),
  // not JSON at all
  FastCheck.string()
)
const status = FastCheck.constantFrom(200, 201, 204, 301, 400, 401, 403, 404, 409, 415, 422, 429, 500, 502, 503)
const headers = FastCheck.record({
  "content-type": FastCheck.constantFrom("application/json", "text/html", "application/json; charset=utf-8"),
  "retry-after": FastCheck.oneof(FastCheck.constant("1"), FastCheck.string(), FastCheck.constant("-5"), FastCheck.constant("Wed, 21 Oct 2015 07:28:00 GMT"))
}, { requiredKeys: ["content-type"] })

type Service = Effect.Effect.Success<ReturnType<typeof invitationsOver>>
const operations: Record<string, (s: Service) => Effect.Effect<unknown, ClerkError.ClerkError>> = {
  create: (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => s.create({ emailAddress: "ada@example.com" }),
  createBulk: (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => s.createBulk([{ emailAddress: "ada@example.com" }]),
  list: (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => s.list(),
  stream: (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => Stream.runDrain(s.stream()),
  revoke: (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => s.revoke("inv_1")
}

describe("hostile response bodies never become defects", () => {
  for (const [name, run] of Object.entries(operations)) {
    it.effect.prop(`${name}`, [body, status, headers], ([text, code, hdrs]) =>
      Effect.gen(function*() {
        const fake = yield* makeFakeHttp(() => new Response(code === 204 ? null : text, { status: code, headers: hdrs }))
        const invitations = yield* invitationsOver(fake.layer, { retry: false })
        const exit = yield* Effect.exit(run(invitations))
        if (Exit.isFailure(exit)) {
          assert.isFalse(Cause.isDie(exit.cause), Cause.pretty(exit.cause))
          const error = Cause.failureOption(exit.cause)
          assert.isTrue(error._tag === "Some" && tags.has(error.value._tag))
        }
      }).pipe(Effect.asVoid), { timeout: 120_000, fastCheck: { numRuns: 400 } })
  }

  it.effect("a huge page of garbage is a ClerkApiError, quickly", () =>
    Effect.gen(function*() {
      const huge = { data: Array.from({ length: 200_000 }, (_, i) => ({ id: i })), total_count: 200_000 }
      const fake = yield* makeFakeHttp(() => json(huge))
      const invitations = yield* invitationsOver(fake.layer, { retry: false })
      const error = yield* Effect.flip(invitations.list())
      assert.strictEqual(error._tag, "ClerkApiError")
      assert.strictEqual(error._tag === "ClerkApiError" && error.errors[0]?.code, "unexpected_response")
    }))

  it.effect("a huge valid page decodes", () =>
    Effect.gen(function*() {
      const page = { data: Array.from({ length: 500 }, (_, i) => invitationJson({ id: `inv_${i}` })), total_count: 500 }
      const fake = yield* makeFakeHttp(() => json(page))
      const invitations = yield* invitationsOver(fake.layer)
      assert.strictEqual((yield* invitations.list({ limit: 500 })).data.length, 500)
    }))
})

describe("fuzzed params never send an invalid request", () => {
  // Anything at all, and near misses of valid params.
  const anyParams = FastCheck.oneof(
    FastCheck.anything(),
    Arbitrary.make(Schema.typeSchema(Invitation.CreateParams)).chain((valid) =>
      FastCheck.record({
        key: FastCheck.constantFrom("emailAddress", "publicMetadata", "redirectUrl", "notify", "ignoreExisting", "expiresInDays", "templateSlug", "extra"),
        value: FastCheck.anything()
      }).map(({ key, value }) => ({ ...valid, [key]: value }))
    )
  )
  const sentOrRefused = (
    params: unknown,
    run: (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => Effect.Effect<unknown, ClerkError.ClerkError>,
    isValid: (u: unknown) => boolean
  ) =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request) =>
        request.url.pathname.endsWith("/bulk") ? json([invitationJson()]) : request.method === "GET" ? json({ data: [], total_count: 0 }) : json(invitationJson())
      )
      const invitations = yield* invitationsOver(fake.layer)
      const exit = yield* Effect.exit(run(invitations))
      const sent = (yield* Ref.get(fake.requests)).length
      if (Exit.isFailure(exit)) {
        assert.isFalse(Cause.isDie(exit.cause), Cause.pretty(exit.cause))
        assert.strictEqual(Cause.failureOption(exit.cause).pipe((o) => o._tag === "Some" ? o.value._tag : "none"), "InvalidRequest")
        assert.strictEqual(sent, 0)
      } else {
        // sent: only because the params were valid by the operation's schema
        assert.isTrue(isValid(params))
        assert.strictEqual(sent, 1)
      }
    }).pipe(Effect.asVoid)

  const isCreate = Schema.is(Schema.typeSchema(Invitation.CreateParams), { onExcessProperty: "error" })
  const isBulk = Schema.is(Schema.typeSchema(Invitation.BulkParams), { onExcessProperty: "error" })
  const isList = Schema.is(Invitation.ListParams, { onExcessProperty: "error" })
  const isId = Schema.is(Invitation.RevokeId)

  it.effect.prop("create", [anyParams], ([params]) => sentOrRefused(params, (s) => s.create(params as never), isCreate), {
    timeout: 120_000,
    fastCheck: { numRuns: 1_000 }
  })
  it.effect.prop("createBulk", [FastCheck.array(anyParams, { maxLength: 12 })], ([params]) => sentOrRefused(params, (s) => s.createBulk(params as never), isBulk), {
    timeout: 120_000,
    fastCheck: { numRuns: 500 }
  })
  it.effect.prop("list", [FastCheck.oneof(FastCheck.anything(), Arbitrary.make(Invitation.ListParams))], ([params]) => sentOrRefused(params, (s) => s.list(params as never), (u) => u === undefined || isList(u)), {
    timeout: 120_000,
    fastCheck: { numRuns: 500 }
  })
  it.effect.prop("revoke", [FastCheck.oneof(FastCheck.string(), FastCheck.anything())], ([id]) => sentOrRefused(id, (s) => s.revoke(id as never), isId), {
    timeout: 120_000,
    fastCheck: { numRuns: 500 }
  })
})
