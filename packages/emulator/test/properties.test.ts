/** Whatever arrives, the emulator answers JSON with a Clerk status and stores all or nothing. */
import { HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import { base, control, record, send, withEmulator } from "./utils.js"

const field = <A>(valid: fc.Arbitrary<A>) => fc.oneof(valid, fc.jsonValue())

const createBody = fc.record({
  email_address: fc.oneof(fc.emailAddress(), fc.string(), fc.jsonValue()),
  public_metadata: field(fc.dictionary(fc.string(), fc.jsonValue())),
  redirect_url: field(fc.webUrl()),
  notify: field(fc.boolean()),
  ignore_existing: field(fc.boolean()),
  expires_in_days: fc.oneof(fc.integer({ min: -10, max: 400 }), fc.double(), fc.jsonValue()),
  template_slug: field(fc.constantFrom("invitation", "waitlist_invitation")),
  unexpected: fc.jsonValue()
}, { requiredKeys: [] })

/** A body as text: usually JSON of `value`, sometimes arbitrary text. */
const text = (value: fc.Arbitrary<unknown>) =>
  fc.oneof({ weight: 4, arbitrary: value.map((v) => JSON.stringify(v) ?? "") }, { weight: 1, arbitrary: fc.string() })

const clerkStatuses = [200, 400, 413, 415, 422]

const sendText = (path: string, body: string, contentType: string) =>
  send(HttpClientRequest.post(`${base}${path}`).pipe(
    HttpClientRequest.bodyText(body, contentType),
    HttpClientRequest.bearerToken("sk_test_emulator")
  ))

const storedCount = Effect.map(Effect.flatMap(control, (c) => c.invitations), (all) => all.length)

describe("properties", () => {
  it.effect.prop(
    "random create bodies get JSON and a Clerk status; a 200 stores exactly one invitation",
    {
      body: text(fc.oneof(createBody, fc.jsonValue())),
      contentType: fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain")
    },
    ({ body, contentType }) =>
      Effect.gen(function*() {
        const before = yield* storedCount
        const reply = yield* sendText("/invitations", body, contentType)
        assert.include(clerkStatuses, reply.status, reply.text)
        assert.strictEqual(reply.headers["content-type"], "application/json")
        assert.isDefined(reply.json, reply.text)
        const after = yield* storedCount
        if (reply.status === 200) {
          assert.strictEqual(after, before + 1)
          assert.strictEqual(record(reply.json).status, "pending")
        } else {
          assert.strictEqual(after, before)
          assert.isArray(record(reply.json).errors)
        }
      }).pipe(withEmulator({ rateLimits: false, maxBodyBytes: 4096 })),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "random bulk bodies get JSON and a Clerk status, all or nothing",
    { body: text(fc.oneof(fc.array(createBody, { maxLength: 12 }), fc.jsonValue())) },
    ({ body }) =>
      Effect.gen(function*() {
        const reply = yield* sendText("/invitations/bulk", body, "application/json")
        assert.include(clerkStatuses, reply.status, reply.text)
        assert.strictEqual(reply.headers["content-type"], "application/json")
        const stored = yield* storedCount
        if (reply.status === 200) {
          assert.isArray(reply.json)
          assert.strictEqual(stored, Array.isArray(reply.json) ? reply.json.length : -1)
        } else {
          assert.strictEqual(stored, 0)
        }
      }).pipe(withEmulator({ rateLimits: false })),
    { fastCheck: { numRuns: 150 } }
  )

  it.effect.prop(
    "random list queries get JSON with 200 or 422",
    {
      params: fc.array(fc.tuple(
        fc.constantFrom("status", "query", "order_by", "limit", "offset", "paginated", "other"),
        fc.oneof(fc.string(), fc.constantFrom("pending", "revoked", "-created_at", "email_address", "10", "0", "true"))
      ), { maxLength: 6 })
    },
    ({ params }) =>
      Effect.gen(function*() {
        const reply = yield* send(HttpClientRequest.get(`${base}/invitations`).pipe(
          HttpClientRequest.setUrlParams(params),
          HttpClientRequest.bearerToken("sk_test_emulator")
        ))
        assert.include([200, 422], reply.status, reply.text)
        assert.isDefined(reply.json)
      }).pipe(withEmulator())
  )
})
