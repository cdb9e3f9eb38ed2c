/**
 * Every operation and every typed error through the stack a user builds: `Invitations.layer` over
 * `ClerkClient.layer` over the emulator's in-process `HttpClient` (the swap the design describes).
 */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

const stack = (
  emulator: ClerkEmulator.Options = { rateLimits: false },
  client: Partial<ClerkClient.Options> = {}
) =>
  Invitations.layer.pipe(
    Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(ClerkEmulator.defaultSecretKey), ...client })),
    Layer.provideMerge(ClerkEmulator.layer(emulator))
  )

const withStack = <A, E>(
  f: (
    invitations: Invitations.Service,
    emulator: ClerkEmulator.Service
  ) => Effect.Effect<A, E>,
  emulator?: ClerkEmulator.Options,
  client?: Partial<ClerkClient.Options>
) =>
  Effect.gen(function*() {
    const invitations = yield* Invitations.Invitations
    const control = yield* ClerkEmulator.ClerkEmulator
    return yield* f(invitations, control)
  }).pipe(Effect.provide(stack(emulator, client)))

const day = 86_400_000

describe("create", () => {
  it.effect("creates a pending invitation Clerk-style", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        yield* TestClock.setTime(1_790_718_468_757)
        const invitation = yield* invitations.create({ emailAddress: "ada@example.com", publicMetadata: { plan_id: "pro" } })
        assert.match(invitation.id, /^inv_[0-9A-Za-z]{27}$/)
        assert.strictEqual(invitation.status, "pending")
        assert.strictEqual(invitation.revoked, false)
        assert.deepStrictEqual(invitation.publicMetadata, { plan_id: "pro" })
        assert.match(invitation.url ?? "", /\/v1\/tickets\/accept\?ticket=/)
        assert.strictEqual(DateTime.toEpochMillis(invitation.createdAt), 1_790_718_468_757)
        assert.strictEqual(
          invitation.expiresAt && DateTime.toEpochMillis(invitation.expiresAt),
          1_790_718_468_757 + 30 * day
        )
        const stored = yield* emulator.invitations
        assert.deepStrictEqual(stored.map((i) => i.id), [invitation.id])
      })))

  it.effect("expiresInDays sets the expiry", () =>
    withStack((invitations) =>
      Effect.gen(function*() {
        const invitation = yield* invitations.create({ emailAddress: "ada@example.com", expiresInDays: 7 })
        assert.strictEqual(
          invitation.expiresAt && DateTime.distance(invitation.createdAt, invitation.expiresAt),
          7 * day
        )
      })))

  it.effect("a pending invitation for the email → DuplicateEmail InvitationPending", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        yield* invitations.create({ emailAddress: "ada@example.com" })
        const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
        assert.strictEqual(error._tag, "DuplicateEmail")
        if (error._tag !== "DuplicateEmail") return
        assert.strictEqual(error.reason, "InvitationPending")
        assert.deepStrictEqual(error.emailAddresses, ["ada@example.com"])
        assert.isString(error.traceId)
        assert.strictEqual((yield* emulator.invitations).length, 1)
      })))

  it.effect("ignoreExisting creates another", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        yield* invitations.create({ emailAddress: "ada@example.com" })
        yield* invitations.create({ emailAddress: "ada@example.com", ignoreExisting: true })
        assert.strictEqual((yield* emulator.invitations).length, 2)
      })))

  it.effect("a user with the email → DuplicateEmail UserExists", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        yield* emulator.seedUser("grace@example.com")
        const error = yield* Effect.flip(invitations.create({ emailAddress: "grace@example.com" }))
        assert.strictEqual(error._tag === "DuplicateEmail" && error.reason, "UserExists")
      })))

  it.effect("invalid params → InvalidRequest, and the emulator receives nothing", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(invitations.create({ emailAddress: "not-an-email" }))
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.strictEqual((yield* emulator.requests).length, 0)
      })))

  it.effect("a wrong secret key → Unauthorized", () =>
    withStack(
      (invitations) =>
        Effect.gen(function*() {
          const error = yield* Effect.flip(invitations.create({ emailAddress: "ada@example.com" }))
          assert.strictEqual(error._tag, "Unauthorized")
          if (error._tag !== "Unauthorized") return
          assert.strictEqual(error.status, 401)
          assert.strictEqual(error.code, "clerk_key_invalid")
        }),
      { rateLimits: false, secretKeys: ["sk_test_someone_else"] }
    ))

  it.effect("past Clerk's 100 creates per hour → RateLimited with Clerk's Retry-After", () =>
    withStack(
      (invitations) =>
        Effect.gen(function*() {
          yield* invitations.create({ emailAddress: "a1@example.com" })
          yield* invitations.create({ emailAddress: "a2@example.com" })
          const error = yield* Effect.flip(invitations.create({ emailAddress: "a3@example.com" }))
          assert.strictEqual(error._tag, "RateLimited")
          if (error._tag !== "RateLimited") return
          assert.isTrue(Duration.greaterThan(error.retryAfter, Duration.minutes(59)))
        }),
      { rateLimits: { create: 2 } }
    ))

  it.effect("a 5xx that outlasts the retries → ClerkApiError", () =>
    withStack(
      (invitations, emulator) =>
        Effect.gen(function*() {
          yield* emulator.injectFaults("list", Fault.Status({ status: 503 }), 1)
          const error = yield* Effect.flip(invitations.list())
          assert.strictEqual(error._tag, "ClerkApiError")
          assert.strictEqual(error._tag === "ClerkApiError" && error.status, 503)
        }),
      undefined,
      { retry: false }
    ))

  it.effect("a dropped connection that outlasts the retries → ClerkRequestError", () =>
    withStack(
      (invitations, emulator) =>
        Effect.gen(function*() {
          yield* emulator.injectFaults("list", Fault.ResetBefore(), 1)
          const error = yield* Effect.flip(invitations.list())
          assert.strictEqual(error._tag, "ClerkRequestError")
          assert.strictEqual(error._tag === "ClerkRequestError" && error.reason, "Transport")
        }),
      undefined,
      { retry: false }
    ))
})

describe("exactly once, against the emulator's faults", () => {
  for (
    const [name, fault] of [
      ["the connection drops after Clerk created it", Fault.ResetAfter()],
      ["the body is malformed after Clerk created it", Fault.Malformed()],
      ["the connection drops before Clerk saw it", Fault.ResetBefore()],
      ["Clerk answers 500 without creating", Fault.Status({ status: 500 })]
    ] as const
  ) {
    it.effect(`create: ${name} → one invitation, returned`, () =>
      withStack((invitations, emulator) =>
        Effect.gen(function*() {
          yield* emulator.injectFaults("create", fault, 1)
          const fiber = yield* Effect.fork(invitations.create({ emailAddress: "ada@example.com" }))
          yield* TestClock.adjust("1 minute")
          const invitation = yield* fiber
          const stored = yield* emulator.invitations
          assert.deepStrictEqual(stored.map((i) => i.id), [invitation.id])
        })))

    it.effect(`createBulk: ${name} → each invitation once`, () =>
      withStack((invitations, emulator) =>
        Effect.gen(function*() {
          yield* emulator.injectFaults("bulk", fault, 1)
          const emails = ["a@example.com", "b@example.com", "c@example.com"]
          const fiber = yield* Effect.fork(invitations.createBulk(emails.map((emailAddress) => ({ emailAddress }))))
          yield* TestClock.adjust("1 minute")
          const created = yield* fiber
          assert.deepStrictEqual(created.map((i) => i.emailAddress), emails)
          assert.deepStrictEqual((yield* emulator.invitations).map((i) => i.email_address).sort(), emails)
        })))
  }

  it.effect("revoke: the answer is lost after Clerk revoked → the revoked invitation, not AlreadyRevoked", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        const invitation = yield* invitations.create({ emailAddress: "ada@example.com" })
        yield* emulator.injectFaults("revoke", Fault.ResetAfter(), 1)
        const fiber = yield* Effect.fork(invitations.revoke(invitation.id))
        yield* TestClock.adjust("1 minute")
        const revoked = yield* fiber
        assert.strictEqual(revoked.id, invitation.id)
        assert.strictEqual(revoked.status, "revoked")
      })))
})

describe("createBulk", () => {
  it.effect("creates every invitation in order", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        const emails = Array.from({ length: 10 }, (_, i) => `user${i}@example.com`)
        const created = yield* invitations.createBulk(emails.map((emailAddress) => ({ emailAddress })))
        assert.deepStrictEqual(created.map((i) => i.emailAddress), emails)
        assert.strictEqual((yield* emulator.invitations).length, 10)
      })))

  it.effect("one duplicate rejects the whole batch, naming it", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        yield* invitations.create({ emailAddress: "b@example.com" })
        const error = yield* Effect.flip(
          invitations.createBulk([{ emailAddress: "a@example.com" }, { emailAddress: "b@example.com" }])
        )
        assert.deepStrictEqual(error._tag === "DuplicateEmail" && error.emailAddresses, ["b@example.com"])
        assert.strictEqual((yield* emulator.invitations).length, 1, "all or nothing")
      })))

  it.effect("an existing user rejects the batch, even with ignoreExisting", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        yield* emulator.seedUser("b@example.com")
        const error = yield* Effect.flip(
          invitations.createBulk([{ emailAddress: "a@example.com" }, { emailAddress: "b@example.com", ignoreExisting: true }])
        )
        assert.strictEqual(error._tag === "DuplicateEmail" && error.reason, "UserExists")
        assert.strictEqual((yield* emulator.invitations).length, 0)
      })))
})

describe("list and stream", () => {
  const seed = (invitations: Invitations.Service, n: number) =>
    Effect.forEach(Array.from({ length: n }, (_, i) => i), (i) =>
      Effect.zipRight(
        TestClock.adjust("1 second"),
        invitations.create({ emailAddress: `user${String(i).padStart(3, "0")}@example.com` })
      ))

  it.effect("newest first by default, with the total count", () =>
    withStack((invitations) =>
      Effect.gen(function*() {
        yield* seed(invitations, 15)
        const page = yield* invitations.list()
        assert.strictEqual(page.totalCount, 15)
        assert.strictEqual(page.data.length, 10, "Clerk's default limit")
        assert.strictEqual(page.data[0]?.emailAddress, "user014@example.com")
        const second = yield* invitations.list({ limit: 10, offset: 10 })
        assert.deepStrictEqual(second.data.map((i) => i.emailAddress), [4, 3, 2, 1, 0].map((i) => `user00${i}@example.com`))
      })))

  it.effect("orderBy, query and status filters", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        const created = yield* seed(invitations, 5)
        yield* invitations.revoke(created[0]?.id ?? "")
        yield* emulator.accept(created[1]?.id ?? "")
        const all = yield* invitations.list({ orderBy: "email_address" })
        assert.deepStrictEqual(all.data.map((i) => i.emailAddress), [1, 2, 3, 4].map((i) => `user00${i}@example.com`))
        const revoked = yield* invitations.list({ status: "revoked" })
        assert.deepStrictEqual(revoked.data.map((i) => i.id), [created[0]?.id])
        const some = yield* invitations.list({ status: ["accepted", "revoked"], orderBy: "+created_at" })
        assert.deepStrictEqual(some.data.map((i) => i.status), ["revoked", "accepted"])
        const found = yield* invitations.list({ query: "user003" })
        assert.deepStrictEqual(found.data.map((i) => i.emailAddress), ["user003@example.com"])
      })))

  it.effect("expired is computed from the clock", () =>
    withStack((invitations) =>
      Effect.gen(function*() {
        yield* invitations.create({ emailAddress: "ada@example.com", expiresInDays: 1 })
        yield* TestClock.adjust("25 hours")
        const expired = yield* invitations.list({ status: "expired" })
        assert.deepStrictEqual(expired.data.map((i) => i.status), ["expired"])
        assert.strictEqual((yield* invitations.list({ status: "pending" })).totalCount, 0)
      })))

  it.effect("stream walks every page lazily", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        for (let batch = 0; batch < 25; batch++) {
          yield* TestClock.adjust("1 second")
          yield* invitations.createBulk(
            Array.from({ length: 10 }, (_, i) => ({ emailAddress: `user${String(batch * 10 + i).padStart(3, "0")}@example.com` }))
          )
        }
        const before = (yield* emulator.requests).length
        const all = yield* Stream.runCollect(invitations.stream({ pageSize: 100, orderBy: "+created_at" }))
        assert.strictEqual(all.length, 250)
        assert.deepStrictEqual([...all].map((i) => i.emailAddress).slice(0, 2), ["user000@example.com", "user001@example.com"])
        assert.strictEqual(new Set([...all].map((i) => i.id)).size, 250)
        assert.strictEqual((yield* emulator.requests).length - before, 3)
      })))
})

describe("revoke", () => {
  it.effect("revokes: revoked, no url, updatedAt bumped", () =>
    withStack((invitations) =>
      Effect.gen(function*() {
        const invitation = yield* invitations.create({ emailAddress: "ada@example.com" })
        yield* TestClock.adjust("1 second")
        const revoked = yield* invitations.revoke(invitation.id)
        assert.strictEqual(revoked.status, "revoked")
        assert.strictEqual(revoked.revoked, true)
        assert.isUndefined(revoked.url)
        assert.strictEqual(DateTime.distance(invitation.updatedAt, revoked.updatedAt), 1000)
        assert.strictEqual((yield* invitations.list()).totalCount, 0, "revoked ones are hidden by default")
      })))

  it.effect("twice → InvitationNotRevocable AlreadyRevoked", () =>
    withStack((invitations) =>
      Effect.gen(function*() {
        const invitation = yield* invitations.create({ emailAddress: "ada@example.com" })
        yield* invitations.revoke(invitation.id)
        const error = yield* Effect.flip(invitations.revoke(invitation.id))
        assert.strictEqual(error._tag === "InvitationNotRevocable" && error.reason, "AlreadyRevoked")
      })))

  it.effect("accepted → InvitationNotRevocable AlreadyAccepted", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        const invitation = yield* invitations.create({ emailAddress: "ada@example.com" })
        yield* emulator.accept(invitation.id)
        const error = yield* Effect.flip(invitations.revoke(invitation.id))
        assert.strictEqual(error._tag === "InvitationNotRevocable" && error.reason, "AlreadyAccepted")
      })))

  it.effect("unknown id → InvitationNotFound", () =>
    withStack((invitations) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(invitations.revoke("inv_2g7np7Hrk0SN6kj5EDMLDaKNL0S"))
        assert.strictEqual(error._tag, "InvitationNotFound")
        assert.strictEqual(error._tag === "InvitationNotFound" && error.invitationId, "inv_2g7np7Hrk0SN6kj5EDMLDaKNL0S")
      })))

  it.effect("a hostile id → InvalidRequest, and no request", () =>
    withStack((invitations, emulator) =>
      Effect.gen(function*() {
        const error = yield* Effect.flip(invitations.revoke("../../users/user_1"))
        assert.strictEqual(error._tag, "InvalidRequest")
        assert.strictEqual((yield* emulator.requests).length, 0)
      })))
})
