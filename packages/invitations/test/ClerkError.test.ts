import { ClerkError, Invitations } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { clerkError, invitationsOver, json, makeFakeHttp } from "./utils.js"

// Every row of clerk-api.md §6 that these operations can meet, with the tag it must become.
const createCases = [
  { status: 400, code: "duplicate_record", tag: "DuplicateEmail", reason: "InvitationPending" },
  { status: 422, code: "form_identifier_exists", tag: "DuplicateEmail", reason: "UserExists" },
  { status: 422, code: "form_param_format_invalid", tag: "ClerkApiError" },
  { status: 422, code: "form_param_missing", tag: "ClerkApiError" },
  { status: 422, code: "form_param_unknown", tag: "ClerkApiError" },
  { status: 422, code: "form_param_value_invalid", tag: "ClerkApiError" },
  { status: 422, code: "form_param_type_invalid", tag: "ClerkApiError" },
  { status: 400, code: "request_body_invalid", tag: "ClerkApiError" },
  { status: 400, code: "malformed_request_parameters", tag: "ClerkApiError" },
  { status: 400, code: "bulk_size_exceeded", tag: "ClerkApiError" },
  { status: 422, code: "form_param_array_size_exceeded", tag: "ClerkApiError" },
  { status: 401, code: "authentication_invalid", tag: "Unauthorized" },
  { status: 401, code: "clerk_key_invalid", tag: "Unauthorized" },
  { status: 401, code: "authorization_header_format_invalid", tag: "Unauthorized" },
  { status: 401, code: "could_not_authenticate_request", tag: "Unauthorized" },
  { status: 403, code: "authorization_invalid", tag: "Unauthorized" },
  { status: 400, code: "invitations_not_supported", tag: "ClerkApiError" },
  { status: 400, code: "dev_monthly_email_limit_exceeded", tag: "ClerkApiError" },
  { status: 429, code: "too_many_requests", tag: "RateLimited" },
  { status: 400, code: "api_version_invalid", tag: "ClerkApiError" },
  { status: 415, code: "unsupported_content_type", tag: "ClerkApiError" },
  { status: 500, code: "internal_clerk_error", tag: "ClerkApiError" },
  { status: 404, code: "resource_not_found", tag: "ClerkApiError" },
  { status: 418, code: "something_new", tag: "ClerkApiError" }
] as const

const revokeCases = [
  { status: 404, code: "resource_not_found", tag: "InvitationNotFound" },
  { status: 400, code: "invitation_already_revoked", tag: "InvitationNotRevocable", reason: "AlreadyRevoked" },
  { status: 400, code: "invitation_already_accepted", tag: "InvitationNotRevocable", reason: "AlreadyAccepted" },
  { status: 400, code: "duplicate_record", tag: "ClerkApiError" },
  { status: 401, code: "clerk_key_invalid", tag: "Unauthorized" },
  { status: 403, code: "authorization_invalid", tag: "Unauthorized" },
  { status: 429, code: "too_many_requests", tag: "RateLimited" },
  { status: 500, code: "internal_clerk_error", tag: "ClerkApiError" },
  { status: 400, code: "api_version_invalid", tag: "ClerkApiError" }
] as const

const listCases = [
  { status: 400, code: "duplicate_record", tag: "ClerkApiError" },
  { status: 401, code: "authentication_invalid", tag: "Unauthorized" },
  { status: 403, code: "authorization_invalid", tag: "Unauthorized" },
  { status: 404, code: "resource_not_found", tag: "ClerkApiError" },
  { status: 422, code: "form_param_value_invalid", tag: "ClerkApiError" },
  { status: 429, code: "too_many_requests", tag: "RateLimited" },
  { status: 503, code: "service_unavailable", tag: "ClerkApiError" }
] as const

const noRetry = { retry: false } as const

describe("(status, code) → tag", () => {
  const creates: Record<string, (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => Effect.Effect<unknown, Invitations.CreateError>> = {
    create: (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) => s.create({ emailAddress: "ada@example.com" }),
    createBulk: (s: Effect.Effect.Success<ReturnType<typeof invitationsOver>>) =>
      s.createBulk([{ emailAddress: "ada@example.com" }])
  }
  for (const [operation, run] of Object.entries(creates)) {
    for (const c of createCases) {
      it.effect(`${operation}: ${c.status} ${c.code} → ${c.tag}`, () =>
        Effect.gen(function*() {
          const fake = yield* makeFakeHttp(() => clerkError(c.status, c.code, { headers: { "retry-after": "1" } }))
          const invitations = yield* invitationsOver(fake.layer, noRetry)
          const error = yield* Effect.flip(run(invitations))
          assert.strictEqual(error._tag, c.tag)
          if (error._tag === "DuplicateEmail" && "reason" in c) assert.strictEqual(error.reason, c.reason)
          assert.isAbove(error.message.length, 10)
        }))
    }
  }
  for (const c of revokeCases) {
    it.effect(`revoke: ${c.status} ${c.code} → ${c.tag}`, () =>
      Effect.gen(function*() {
        const fake = yield* makeFakeHttp(() => clerkError(c.status, c.code, { headers: { "retry-after": "1" } }))
        const invitations = yield* invitationsOver(fake.layer, noRetry)
        const error = yield* Effect.flip(invitations.revoke("inv_123"))
        assert.strictEqual(error._tag, c.tag)
        if (error._tag === "InvitationNotRevocable" && "reason" in c) assert.strictEqual(error.reason, c.reason)
        if (error._tag === "InvitationNotFound") assert.strictEqual(error.invitationId, "inv_123")
      }))
  }
  for (const c of listCases) {
    it.effect(`list: ${c.status} ${c.code} → ${c.tag}`, () =>
      Effect.gen(function*() {
        const fake = yield* makeFakeHttp(() => clerkError(c.status, c.code, { headers: { "retry-after": "1" } }))
        const invitations = yield* invitationsOver(fake.layer, noRetry)
        const error = yield* Effect.flip(invitations.list())
        assert.strictEqual(error._tag, c.tag)
      }))
  }
})

describe("error details", () => {
  it.effect("DuplicateEmail lists meta.email_addresses and keeps the trace id", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() =>
        clerkError(400, "duplicate_record", {
          message: "duplicate invitations",
          meta: { email_addresses: ["ada@example.com", "grace@example.com"] }
        })
      )
      const invitations = yield* invitationsOver(fake.layer, noRetry)
      const error = yield* Effect.flip(invitations.createBulk([
        { emailAddress: "ada@example.com" },
        { emailAddress: "grace@example.com" },
        { emailAddress: "alan@example.com" }
      ]))
      assert.deepStrictEqual(error._tag === "DuplicateEmail" && error.emailAddresses, ["ada@example.com", "grace@example.com"])
      assert.strictEqual(error._tag === "DuplicateEmail" && error.traceId, "trace_123")
      assert.include(error.message, "ada@example.com, grace@example.com")
    }))

  it.effect("DuplicateEmail falls back to the requested emails without meta", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(422, "form_identifier_exists", { meta: { param_name: "email_address" } }))
      const invitations = yield* invitationsOver(fake.layer, noRetry)
      const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
      assert.deepStrictEqual(error._tag === "DuplicateEmail" && error.emailAddresses, ["ada@example.com"])
      assert.include(error.message, "a user already has")
    }))

  it.effect("Unauthorized carries status, code and Clerk's message", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() =>
        clerkError(401, "clerk_key_invalid", { message: "The provided Clerk Secret Key is invalid." })
      )
      const invitations = yield* invitationsOver(fake.layer, noRetry)
      const error = yield* Effect.flip(invitations.list())
      assert.strictEqual(error._tag, "Unauthorized")
      if (error._tag !== "Unauthorized") return
      assert.strictEqual(error.status, 401)
      assert.strictEqual(error.code, "clerk_key_invalid")
      assert.include(error.message, "The provided Clerk Secret Key is invalid.")
      assert.strictEqual(error.traceId, "trace_123")
    }))

  it.effect("a 401 with an unreadable body still becomes Unauthorized with a hint", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => new Response("<html>nope</html>", { status: 401 }))
      const invitations = yield* invitationsOver(fake.layer, noRetry)
      const error = yield* Effect.flip(invitations.list())
      assert.strictEqual(error._tag, "Unauthorized")
      assert.include(error.message, "CLERK_SECRET_KEY")
    }))

  it.effect("the trace id falls back to the Clerk-Trace-Id header", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() =>
        json({ errors: [{ code: "x", message: "m", long_message: "l" }] }, 422, { "clerk-trace-id": "hdr_trace" })
      )
      const invitations = yield* invitationsOver(fake.layer, noRetry)
      const error = yield* Effect.flip(invitations.list())
      assert.strictEqual(error._tag === "ClerkApiError" && error.traceId, "hdr_trace")
    }))

  it.effect("ClerkApiError keeps every error, camelCased, and says the first", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() =>
        json({
          errors: [
            { code: "form_param_format_invalid", message: "is invalid", long_message: "email_address must be a valid email address.", meta: { param_name: "email_address" } },
            { code: "form_param_unknown", message: "is unknown", long_message: "foo is not a valid parameter for this request." }
          ],
          clerk_trace_id: "t"
        }, 422)
      )
      const invitations = yield* invitationsOver(fake.layer, noRetry)
      const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
      assert.strictEqual(error._tag, "ClerkApiError")
      if (error._tag !== "ClerkApiError") return
      assert.strictEqual(error.status, 422)
      assert.deepStrictEqual(error.errors[0], {
        code: "form_param_format_invalid",
        message: "is invalid",
        longMessage: "email_address must be a valid email address.",
        meta: { param_name: "email_address" }
      })
      assert.strictEqual(error.message, "Clerk answered 422, form_param_format_invalid: email_address must be a valid email address. (and 1 more) (Clerk trace t)")
    }))

  it.effect("RateLimited carries Retry-After as a Duration", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(429, "too_many_requests", { headers: { "retry-after": "3600" } }))
      const invitations = yield* invitationsOver(fake.layer)
      const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
      assert.strictEqual(error._tag, "RateLimited")
      if (error._tag !== "RateLimited") return
      assert.isTrue(Duration.equals(error.retryAfter, Duration.hours(1)))
      assert.include(error.message, "1h")
    }))

  it("fromResponse without Retry-After assumes a minute", () => {
    const error = ClerkError.fromResponse({ status: 429, body: { errors: [] }, retryAfter: Option.none() })
    assert.strictEqual(error._tag, "RateLimited")
    assert.isTrue(error._tag === "RateLimited" && Duration.equals(error.retryAfter, ClerkError.defaultRetryAfter))
  })

  it("every tag has a readable message", () => {
    const errors: ReadonlyArray<ClerkError.ClerkError> = [
      new ClerkError.DuplicateEmail({ emailAddresses: ["a@b.co"], reason: "InvitationPending" }),
      new ClerkError.InvitationNotFound({ invitationId: "inv_1" }),
      new ClerkError.InvitationNotRevocable({ invitationId: "inv_1", reason: "AlreadyAccepted" }),
      new ClerkError.Unauthorized({ status: 401, code: "c", message: "no" }),
      new ClerkError.RateLimited({ retryAfter: Duration.seconds(5) }),
      new ClerkError.InvalidRequest({ message: "Invalid create parameters: emailAddress: bad", issues: [] }),
      new ClerkError.ClerkApiError({ status: 500, errors: [] }),
      new ClerkError.ClerkRequestError({ reason: "Timeout", method: "GET", path: "/v1/invitations" })
    ]
    const messages = errors.map((e) => e.message)
    assert.deepStrictEqual(messages, [
      "Cannot invite a@b.co: an invitation is already pending (set ignoreExisting to send another)",
      "No invitation was found with id inv_1",
      "Cannot revoke invitation inv_1: it was already accepted",
      "no",
      "Clerk's rate limit was reached: retry after 5s",
      "Invalid create parameters: emailAddress: bad",
      "Clerk answered 500, no error details",
      "GET /v1/invitations timed out. The outcome is unknown if the request was sent."
    ])
    assert.deepStrictEqual(new Set(errors.map((e) => e._tag)).size, 8)
  })
})
