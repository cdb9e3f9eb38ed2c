import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import type { Recorded } from "./utils.js"
import { clerkError, invitationJson, invitationsOver, json, makeFakeHttp } from "./utils.js"

const countOf = (requests: Ref.Ref<ReadonlyArray<Recorded>>, method?: string) =>
  Effect.map(Ref.get(requests), (all) => all.filter((r) => method === undefined || r.method === method).length)

describe("retry policy", () => {
  it.effect("waits for Retry-After (seconds) before asking again", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((_, n) =>
        n === 1 ? clerkError(429, "too_many_requests", { headers: { "retry-after": "7" } }) : json({ data: [], total_count: 0 })
      )
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.list())
      yield* TestClock.adjust("6999 millis")
      assert.strictEqual(yield* countOf(fake.requests), 1)
      yield* TestClock.adjust("1 millis")
      const page = yield* Fiber.join(fiber)
      assert.strictEqual(page.totalCount, 0)
      assert.strictEqual(yield* countOf(fake.requests), 2)
    }))

  it.effect("reads Retry-After as an HTTP date too", () =>
    Effect.gen(function*() {
      const at = new Date(20_000).toUTCString() // TestClock starts at 0: 20 s from now
      const fake = yield* makeFakeHttp((_, n) =>
        n === 1 ? clerkError(429, "too_many_requests", { headers: { "retry-after": at } }) : json({ data: [], total_count: 0 })
      )
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.list())
      yield* TestClock.adjust("19 seconds")
      assert.strictEqual(yield* countOf(fake.requests), 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* countOf(fake.requests), 2)
    }))

  it.effect("a Retry-After beyond the wait budget fails at once with RateLimited", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(429, "too_many_requests", { headers: { "retry-after": "3600" } }))
      const invitations = yield* invitationsOver(fake.layer)
      const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
      assert.strictEqual(error._tag, "RateLimited")
      assert.isTrue(error._tag === "RateLimited" && Duration.equals(error.retryAfter, Duration.hours(1)))
      assert.strictEqual(yield* countOf(fake.requests), 1)
    }))

  it.effect("the wait budget is configurable", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((_, n) =>
        n === 1 ? clerkError(429, "too_many_requests", { headers: { "retry-after": "120" } }) : json(invitationJson())
      )
      const invitations = yield* invitationsOver(fake.layer, { retry: { maxWait: "5 minutes" }, deadline: "10 minutes" })
      const fiber = yield* Effect.fork(invitations.create({ emailAddress: "ada@example.com" }))
      yield* TestClock.adjust("120 seconds")
      const invitation = yield* Fiber.join(fiber)
      assert.strictEqual(invitation.emailAddress, "ada@example.com")
    }))

  it.effect("a Retry-After that would end past the deadline fails at once", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(429, "too_many_requests", { headers: { "retry-after": "50" } }))
      const invitations = yield* invitationsOver(fake.layer, { deadline: "30 seconds" })
      const error = yield* Effect.flip(invitations.list())
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(yield* countOf(fake.requests), 1)
    }))

  it.effect("429s keep being retried, then the last one surfaces as RateLimited", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(429, "too_many_requests", { headers: { "retry-after": "1" } }))
      const invitations = yield* invitationsOver(fake.layer, { retry: { times: 3 } })
      const fiber = yield* Effect.fork(Effect.flip(invitations.list()))
      yield* TestClock.adjust("10 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(yield* countOf(fake.requests), 4)
    }))

  it.effect("5xx is retried with exponential backoff from 500 ms", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((_, n) => n <= 3 ? clerkError(503, "service_unavailable") : json({ data: [], total_count: 7 }))
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.list())
      yield* TestClock.adjust("350 millis") // below the smallest jittered first delay (0.8 × 500 ms)
      assert.strictEqual(yield* countOf(fake.requests), 1)
      yield* TestClock.adjust("10 seconds")
      const page = yield* Fiber.join(fiber)
      assert.strictEqual(page.totalCount, 7)
      assert.strictEqual(yield* countOf(fake.requests), 4)
    }))

  it.effect("5xx after every retry becomes ClerkApiError with Clerk's details", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(500, "internal_clerk_error"))
      const invitations = yield* invitationsOver(fake.layer, { retry: { times: 2 } })
      const fiber = yield* Effect.fork(Effect.flip(invitations.list()))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ClerkApiError")
      assert.strictEqual(error._tag === "ClerkApiError" && error.status, 500)
      assert.strictEqual(yield* countOf(fake.requests), 3)
    }))

  it.effect("transport failures are retried", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((_, n) => n <= 2 ? "reset" : json({ data: [], total_count: 1 }))
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.list())
      yield* TestClock.adjust("1 minute")
      assert.strictEqual((yield* Fiber.join(fiber)).totalCount, 1)
      assert.strictEqual(yield* countOf(fake.requests), 3)
    }))

  it.effect("other 4xx answers are final: one request", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(422, "form_param_value_invalid"))
      const invitations = yield* invitationsOver(fake.layer)
      yield* Effect.flip(invitations.list())
      assert.strictEqual(yield* countOf(fake.requests), 1)
    }))

  it.effect("retry: false sends once", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(503, "service_unavailable"))
      const invitations = yield* invitationsOver(fake.layer, { retry: false })
      const error = yield* Effect.flip(invitations.list())
      assert.strictEqual(error._tag, "ClerkApiError")
      assert.strictEqual(yield* countOf(fake.requests), 1)
    }))

  it.effect("a custom schedule replaces the backoff", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(503, "service_unavailable"))
      const invitations = yield* invitationsOver(fake.layer, {
        retry: { schedule: Schedule.spaced("2 seconds").pipe(Schedule.intersect(Schedule.recurs(2))) }
      })
      const fiber = yield* Effect.fork(Effect.flip(invitations.list()))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(yield* countOf(fake.requests), 1)
      yield* TestClock.adjust("1 millis")
      assert.strictEqual(yield* countOf(fake.requests), 2)
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* countOf(fake.requests), 3)
    }))

  it.effect("a custom schedule still honours Retry-After", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((_, n) =>
        n === 1 ? clerkError(429, "too_many_requests", { headers: { "retry-after": "9" } }) : json({ data: [], total_count: 0 })
      )
      const invitations = yield* invitationsOver(fake.layer, { retry: { schedule: Schedule.recurs(1) } })
      const fiber = yield* Effect.fork(invitations.list())
      yield* TestClock.adjust("8 seconds")
      assert.strictEqual(yield* countOf(fake.requests), 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
    }))

  it.effect("an attempt that outlives the timeout is abandoned and its request aborted", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => Effect.never)
      const invitations = yield* invitationsOver(fake.layer, { timeout: "5 seconds", retry: false })
      const fiber = yield* Effect.fork(Effect.flip(invitations.list()))
      yield* TestClock.adjust("5 seconds")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ClerkRequestError")
      assert.strictEqual(error._tag === "ClerkRequestError" && error.reason, "Timeout")
      const [request] = yield* Ref.get(fake.requests)
      assert.isTrue(request?.signal.aborted)
    }))

  it.effect("the deadline bounds the whole call, waits included", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => clerkError(503, "service_unavailable"))
      const invitations = yield* invitationsOver(fake.layer, {
        deadline: "2500 millis",
        retry: { schedule: Schedule.spaced("1 second") }
      })
      const fiber = yield* Effect.fork(Effect.flip(invitations.list()))
      yield* TestClock.adjust("2500 millis")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ClerkRequestError")
      assert.strictEqual(error._tag === "ClerkRequestError" && error.reason, "Timeout")
      assert.strictEqual(yield* countOf(fake.requests), 3)
    }))

  it.effect("interrupting a call aborts its HTTP request", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => Effect.never)
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.list())
      yield* TestClock.adjust("1 second")
      yield* Fiber.interrupt(fiber)
      const [request] = yield* Ref.get(fake.requests)
      assert.isTrue(request?.signal.aborted)
    }))

  it.effect("a 2xx body that breaks the contract is retried, then becomes ClerkApiError", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => new Response("{\"data\": [", { status: 200, headers: { "content-type": "application/json" } }))
      const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 } })
      const fiber = yield* Effect.fork(Effect.flip(invitations.list()))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "ClerkApiError")
      assert.strictEqual(error._tag === "ClerkApiError" && error.errors[0]?.code, "unexpected_response")
      assert.strictEqual(yield* countOf(fake.requests), 2)
    }))

})

describe("exactly-once create and revoke", () => {
  const now = () => DateTime.toEpochMillis(DateTime.unsafeMake(0))

  it.effect("a create whose connection dropped after Clerk performed it is found, not sent again", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request) =>
        request.method === "POST"
          ? "reset"
          : json({ data: [invitationJson({ email_address: "ada@example.com", created_at: now(), updated_at: now() })], total_count: 1 })
      )
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.create({ emailAddress: "ada@example.com" }))
      yield* TestClock.adjust("1 minute")
      const invitation = yield* Fiber.join(fiber)
      assert.strictEqual(invitation.emailAddress, "ada@example.com")
      assert.strictEqual(yield* countOf(fake.requests, "POST"), 1)
      const lookup = (yield* Ref.get(fake.requests)).find((r) => r.method === "GET")
      assert.strictEqual(lookup?.url.searchParams.get("query"), "ada@example.com")
      assert.strictEqual(lookup?.url.searchParams.get("status"), "pending")
    }))

  it.effect("a create that failed before Clerk performed it is sent again", () =>
    Effect.gen(function*() {
      let posts = 0
      const fake = yield* makeFakeHttp((request) => {
        if (request.method === "GET") return json({ data: [], total_count: 0 })
        posts++
        return posts === 1 ? clerkError(502, "bad_gateway") : json(invitationJson())
      })
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.create({ emailAddress: "ada@example.com" }))
      yield* TestClock.adjust("1 minute")
      yield* Fiber.join(fiber)
      assert.strictEqual(posts, 2)
      assert.strictEqual(yield* countOf(fake.requests, "GET"), 1)
    }))

  it.effect("a duplicate_record after an ambiguous attempt returns our own invitation", () =>
    Effect.gen(function*() {
      let gets = 0
      let posts = 0
      const fake = yield* makeFakeHttp((request) => {
        if (request.method === "POST") {
          return posts++ === 0 ? "reset" : clerkError(400, "duplicate_record", { meta: { email_addresses: ["ada@example.com"] } })
        }
        // the first lookup misses (say, replication lag); the second finds it
        return gets++ === 0
          ? json({ data: [], total_count: 0 })
          : json({ data: [invitationJson({ created_at: now(), updated_at: now() })], total_count: 1 })
      })
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.create({ emailAddress: "ada@example.com" }))
      yield* TestClock.adjust("1 minute")
      const invitation = yield* Fiber.join(fiber)
      assert.strictEqual(invitation.emailAddress, "ada@example.com")
    }))

  it.effect("a DuplicateEmail after an ambiguous attempt means the invitation was older than the call", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const fake = yield* makeFakeHttp((request, n) => {
        if (request.method === "POST") return n === 1 ? "reset" : clerkError(400, "duplicate_record")
        return json({ data: [invitationJson({ created_at: 1000, updated_at: 1000 })], total_count: 1 })
      })
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(Effect.flip(invitations.create({ emailAddress: "ada@example.com" })))
      yield* TestClock.adjust("1 minute")
      const error = yield* Fiber.join(fiber)
      assert.strictEqual(error._tag, "DuplicateEmail")
    }))

  it.effect("a bulk create whose connection dropped after Clerk performed it is found, not sent again", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request) => {
        if (request.method === "POST") return "reset"
        const email = request.url.searchParams.get("query") ?? ""
        return json({ data: [invitationJson({ id: `inv_${email.length}`, email_address: email, created_at: now() })], total_count: 1 })
      })
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(
        invitations.createBulk([{ emailAddress: "ada@example.com" }, { emailAddress: "grace@example.com" }])
      )
      yield* TestClock.adjust("1 minute")
      const created = yield* Fiber.join(fiber)
      assert.deepStrictEqual(created.map((i) => i.emailAddress), ["ada@example.com", "grace@example.com"])
      assert.strictEqual(yield* countOf(fake.requests, "POST"), 1)
    }))

  it.effect("a revoke whose answer was lost is confirmed, not reported as already revoked", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request, n) => {
        if (request.method === "POST") return n === 1 ? "reset" : clerkError(400, "invitation_already_revoked")
        return json({
          data: [invitationJson({ id: "inv_abc", status: "revoked", revoked: true, updated_at: now() })],
          total_count: 1
        })
      })
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.revoke("inv_abc"))
      yield* TestClock.adjust("1 minute")
      const revoked = yield* Fiber.join(fiber)
      assert.strictEqual(revoked.status, "revoked")
      const lookup = (yield* Ref.get(fake.requests)).find((r) => r.method === "GET")
      assert.strictEqual(lookup?.url.searchParams.get("query"), "inv_abc")
      assert.strictEqual(lookup?.url.searchParams.get("status"), "revoked")
    }))

  it.effect("a 429 on create is not ambiguous: no lookup, just the retry", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((_, n) =>
        n === 1 ? clerkError(429, "too_many_requests", { headers: { "retry-after": "2" } }) : json(invitationJson())
      )
      const invitations = yield* invitationsOver(fake.layer)
      const fiber = yield* Effect.fork(invitations.create({ emailAddress: "ada@example.com" }))
      yield* TestClock.adjust("2 seconds")
      yield* Fiber.join(fiber)
      assert.strictEqual(yield* countOf(fake.requests, "GET"), 0)
      assert.strictEqual(yield* countOf(fake.requests, "POST"), 2)
    }))
})
