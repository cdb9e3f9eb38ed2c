/**
 * Honest outcomes under races: after an ambiguous attempt, `create`, `createBulk` and `revoke` take
 * what they find as their own only when one of the call's attempts could have done it (by the
 * server's clock, learnt from the `Date` of Clerk's answers; with the call's parameters; not
 * returned to another call of the same service). Otherwise the honest answer is the conflict
 * (`DuplicateEmail`, `InvitationNotRevocable AlreadyRevoked`), and the importer says
 * `AlreadyInvited`.
 */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { ClerkClient, Importer, Invitations } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { clerkError, invitationJson, invitationsOver, json, makeFakeHttp, secret } from "./utils.js"

const stack = (emulator: ClerkEmulator.Options = { rateLimits: false }, client: Partial<ClerkClient.Options> = {}) =>
  Invitations.layer.pipe(
    Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(ClerkEmulator.defaultSecretKey), ...client })),
    Layer.provideMerge(ClerkEmulator.layer(emulator))
  )

/** Runs `effect` in a fiber while moving the TestClock a minute at a time until it is done. */
const settle = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    let steps = 0
    while (Option.isNone(yield* Fiber.poll(fiber))) {
      yield* TestClock.adjust("1 minute")
      if (++steps > 2_000) return yield* Effect.dieMessage("did not settle")
    }
    return yield* Fiber.join(fiber)
  })

const pendingFor = (emulator: ClerkEmulator.Service, email: string) =>
  Effect.map(emulator.invitations, (all) =>
    all.filter((i) => i.status === "pending" && i.email_address.toLowerCase() === email.toLowerCase()))

const ambiguousBeforeSending = [
  ["a 503", Fault.Status({ status: 503 })],
  ["a connection reset before sending", Fault.ResetBefore()]
] as const

describe("an invitation made 2 seconds before the call is never the call's", () => {
  for (const [name, fault] of ambiguousBeforeSending) {
    it.effect(`create, first attempt gets ${name} → DuplicateEmail`, () =>
      Effect.gen(function*() {
        const invitations = yield* Invitations.Invitations
        const emulator = yield* ClerkEmulator.ClerkEmulator
        // off a whole second, so the Date header's resolution matters
        yield* TestClock.adjust("3600250 millis")
        const earlier = yield* invitations.create({ emailAddress: "ada@example.com" })
        yield* TestClock.adjust("2 seconds")
        yield* emulator.injectFaults("create", fault, 1)
        const error = yield* settle(Effect.flip(invitations.create({ emailAddress: "ada@example.com" })))
        assert.strictEqual(error._tag, "DuplicateEmail")
        assert.deepStrictEqual((yield* pendingFor(emulator, "ada@example.com")).map((i) => i.id), [earlier.id])
      }).pipe(Effect.provide(stack())))

    it.effect(`createBulk, first attempt gets ${name} → DuplicateEmail naming the earlier ones`, () =>
      Effect.gen(function*() {
        const invitations = yield* Invitations.Invitations
        const emulator = yield* ClerkEmulator.ClerkEmulator
        yield* TestClock.adjust("3600999 millis")
        const emails = ["ada@example.com", "grace@example.com"]
        yield* invitations.createBulk(emails.map((emailAddress) => ({ emailAddress })))
        yield* TestClock.adjust("2 seconds")
        yield* emulator.injectFaults("bulk", fault, 1)
        const error = yield* settle(Effect.flip(invitations.createBulk(emails.map((emailAddress) => ({ emailAddress })))))
        assert.strictEqual(error._tag, "DuplicateEmail")
        assert.deepStrictEqual(error._tag === "DuplicateEmail" && error.emailAddresses, emails)
      }).pipe(Effect.provide(stack())))

    it.effect(`revoke of an invitation revoked 2 s earlier, first attempt gets ${name} → AlreadyRevoked`, () =>
      Effect.gen(function*() {
        const invitations = yield* Invitations.Invitations
        const emulator = yield* ClerkEmulator.ClerkEmulator
        yield* TestClock.adjust("3600500 millis")
        const invitation = yield* invitations.create({ emailAddress: "ada@example.com" })
        yield* invitations.revoke(invitation.id)
        yield* TestClock.adjust("2 seconds")
        yield* emulator.injectFaults("revoke", fault, 1)
        const error = yield* settle(Effect.flip(invitations.revoke(invitation.id)))
        assert.strictEqual(error._tag, "InvitationNotRevocable")
        assert.strictEqual(error._tag === "InvitationNotRevocable" && error.reason, "AlreadyRevoked")
      }).pipe(Effect.provide(stack())))
  }

  it.effect("its own invitation is still found when the answer was lost after Clerk created it", () =>
    Effect.gen(function*() {
      const invitations = yield* Invitations.Invitations
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* TestClock.adjust("3600999 millis")
      yield* emulator.injectFaults("create", Fault.ResetAfter(), 1)
      const invitation = yield* settle(invitations.create({ emailAddress: "ada@example.com", publicMetadata: { team: 7 } }))
      assert.deepStrictEqual((yield* pendingFor(emulator, "ada@example.com")).map((i) => i.id), [invitation.id])
    }).pipe(Effect.provide(stack())))
})

describe("what another call of the service returned is not taken again", () => {
  it.effect("a create right after another one's success, first attempt gets a 503 → DuplicateEmail", () =>
    Effect.gen(function*() {
      const invitations = yield* Invitations.Invitations
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* TestClock.adjust("3600000 millis")
      yield* invitations.create({ emailAddress: "ada@example.com" })
      yield* emulator.injectFaults("create", Fault.Status({ status: 503 }), 1)
      const error = yield* settle(Effect.flip(invitations.create({ emailAddress: "ada@example.com" })))
      assert.strictEqual(error._tag, "DuplicateEmail")
    }).pipe(Effect.provide(stack())))

  it.effect("a call whose attempts time out for over a minute never takes what another call returned meanwhile", () =>
    Effect.gen(function*() {
      const invitations = yield* Invitations.Invitations
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* TestClock.adjust("3600000 millis")
      // The slow call's first attempt stalls past its 30 s timeout (it is never performed).
      yield* emulator.injectFaults("create", Fault.Delay({ duration: "31 seconds" }), 1)
      const slow = yield* Effect.fork(Effect.either(invitations.create({ emailAddress: "ada@example.com" })))
      yield* TestClock.adjust("1 second")
      // Meanwhile another call creates the address's invitation and returns it.
      const theirs = yield* invitations.create({ emailAddress: "ada@example.com" })
      // The slow call's lookup after its timeout finds that one claimed; its next attempt stalls too,
      // so it looks again more than a minute after the claim.
      yield* emulator.injectFaults("create", Fault.Delay({ duration: "31 seconds" }), 1)
      const outcome = yield* settle(Fiber.join(slow))
      assert.isTrue(
        outcome._tag === "Left" ? outcome.left._tag === "DuplicateEmail" : outcome.right.id !== theirs.id,
        `the slow call returned ${outcome._tag === "Left" ? outcome.left._tag : outcome.right.id}, the other ${theirs.id}`
      )
      assert.deepStrictEqual((yield* pendingFor(emulator, "ada@example.com")).map((i) => i.id), [theirs.id])
    }).pipe(Effect.provide(stack())))

  it.effect("10 concurrent revokes of one invitation under faults: one success", () =>
    Effect.gen(function*() {
      const invitations = yield* Invitations.Invitations
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* TestClock.adjust("3600000 millis")
      const invitation = yield* invitations.create({ emailAddress: "ada@example.com" })
      yield* emulator.injectChaos({
        rate: 0.5,
        seed: "revokes",
        routes: ["revoke"],
        faults: [Fault.Status({ status: 503 }), Fault.ResetBefore(), Fault.ResetAfter()]
      })
      const outcomes = yield* settle(
        Effect.forEach(Array.from({ length: 10 }, () => invitations.revoke(invitation.id)), Effect.either, { concurrency: "unbounded" })
      )
      assert.strictEqual(outcomes.filter((o) => o._tag === "Right").length, 1)
      assert.deepStrictEqual(
        outcomes.flatMap((o) => (o._tag === "Left" && o.left._tag !== "InvitationNotRevocable" ? [o.left._tag] : [])),
        []
      )
    }).pipe(Effect.provide(stack())))
})

// One address, many concurrent calls, faults: how many calls report success for how many invitations.
const raceOnce = (calls: number, seed: string, rate: number) =>
  Effect.gen(function*() {
    const invitations = yield* Invitations.Invitations
    const emulator = yield* ClerkEmulator.ClerkEmulator
    yield* TestClock.adjust("3600400 millis")
    yield* emulator.injectChaos({
      rate,
      seed,
      routes: ["create"],
      faults: [Fault.Status({ status: 503 }), Fault.ResetBefore(), Fault.ResetAfter(), Fault.Malformed()]
    })
    const outcomes = yield* settle(
      Effect.forEach(
        Array.from({ length: calls }, () => invitations.create({ emailAddress: "race@example.com" })),
        Effect.either,
        { concurrency: "unbounded" }
      )
    )
    const successes = outcomes.filter((o) => o._tag === "Right").length
    const stored = (yield* pendingFor(emulator, "race@example.com")).length
    // besides DuplicateEmail, only the typed "outcome unknown" errors of a call whose every attempt faulted
    const unexpected = outcomes.flatMap((o) =>
      o._tag === "Left" && !["DuplicateEmail", "ClerkRequestError", "ClerkApiError"].includes(o.left._tag) ? [o.left._tag] : []
    )
    return { successes, stored, unexpected }
  }).pipe(Effect.provide(stack()))

describe("concurrent creates of one address under faults", () => {
  it.effect("50 calls: exactly one success for the one stored invitation", () =>
    Effect.gen(function*() {
      const { stored, successes, unexpected } = yield* raceOnce(50, "race of fifty", 0.5)
      console.log(`50 concurrent creates of one address, half faulted: ${successes} successes for ${stored} invitation(s)`)
      assert.deepStrictEqual({ successes, stored, unexpected }, { successes: 1, stored: 1, unexpected: [] })
    }))

  it.effect.prop(
    "N calls, any fault mix: successes equal stored invitations",
    [FastCheck.integer({ min: 2, max: 10 }), FastCheck.string({ minLength: 1, maxLength: 8 }), FastCheck.double({ min: 0.1, max: 0.9, noNaN: true })],
    ([calls, seed, rate]) =>
      Effect.gen(function*() {
        const { stored, successes, unexpected } = yield* raceOnce(calls, seed, rate)
        assert.deepStrictEqual({ successes, unexpected }, { successes: stored, unexpected: [] })
      }),
    { timeout: 60_000, fastCheck: { numRuns: 12 } }
  )
})

describe("two importers over the same input", () => {
  it.effect("total Invited equals the invitations created", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* emulator.injectChaos({
        rate: 0.3,
        seed: "two importers",
        faults: [
          Fault.Status({ status: 500 }),
          Fault.Status({ status: 503 }),
          Fault.ResetBefore(),
          Fault.ResetAfter(),
          Fault.Malformed()
        ]
      })
      const input = Array.from({ length: 200 }, (_, i) => ({ emailAddress: `twice${i}@example.com` }))
      const run = Stream.runCollect(Importer.invite(input, { skipExisting: false }))
      const [a, b] = yield* settle(Effect.all([run, run], { concurrency: 2 }))
      const outcomes = [...Chunk.toReadonlyArray(a), ...Chunk.toReadonlyArray(b)].map((r) => r.outcome)
      const invited = outcomes.filter((o) => o._tag === "Invited").length
      const already = outcomes.filter((o) => o._tag === "AlreadyInvited").length
      const failed = outcomes.filter((o) => o._tag === "Failed").length
      const stored = (yield* emulator.invitations).length
      console.log(`two importers over 200 addresses: ${invited} Invited, ${already} AlreadyInvited, ${failed} Failed for ${stored} invitations`)
      assert.strictEqual(invited, stored)
      assert.strictEqual(stored, 200)
    }).pipe(Effect.provide(stack({ rateLimits: false }))), 60_000)
})

// A stub Clerk whose clock is `skew` ms off the local one: it stamps invitations and `Date` headers
// with its own time.
const skewedClerk = (skew: number, options: { readonly earlier?: boolean; readonly postFault: "reset-after" | "503" }) =>
  Effect.gen(function*() {
    const store = yield* Ref.make<ReadonlyArray<ReturnType<typeof invitationJson>>>([])
    const serverNow = Effect.map(Clock.currentTimeMillis, (local) => local + skew)
    const dated = (body: unknown, status: number, now: number) => json(body, status, { date: new Date(now).toUTCString() })
    let posts = 0
    if (options.earlier === true) {
      const now = yield* serverNow
      yield* Ref.set(store, [invitationJson({ id: "inv_earlier", created_at: now - 2_000, updated_at: now - 2_000 })])
    }
    const fake = yield* makeFakeHttp((request) =>
      Effect.gen(function*() {
        const now = yield* serverNow
        if (request.method === "GET") {
          const data = yield* Ref.get(store)
          return dated({ data, total_count: data.length }, 200, now)
        }
        posts++
        if (posts === 1 && options.postFault === "503") return dated({ errors: [] }, 503, now)
        if ((yield* Ref.get(store)).length > 0) {
          return dated({ errors: [{ code: "duplicate_record", message: "duplicate invitation", long_message: "duplicate" }] }, 400, now)
        }
        const own = invitationJson({ id: "inv_own", created_at: now, updated_at: now, expires_at: now + 30 * 86_400_000 })
        yield* Ref.set(store, [own])
        // performed, but the answer is a gateway error: the client cannot tell
        return posts === 1 ? dated({ errors: [] }, 502, now) : dated(own, 200, now)
      })
    )
    return fake
  })

describe("clock skew between this host and Clerk", () => {
  for (const skew of [-5 * 60_000, 5 * 60_000, -90 * 60_000]) {
    it.effect(`server ${skew > 0 ? "ahead" : "behind"} by ${Math.abs(skew) / 60_000} min: its own invitation is found`, () =>
      Effect.gen(function*() {
        yield* TestClock.adjust("10 days")
        // warm the server clock with one answer, then a create whose answer is lost after Clerk made it
        const fake = yield* skewedClerk(skew, { postFault: "reset-after" })
        const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 } })
        yield* invitations.list()
        yield* TestClock.adjust("250 millis")
        const invitation = yield* settle(invitations.create({ emailAddress: "ada@example.com" }))
        assert.strictEqual(invitation.id, "inv_own")
      }))

    it.effect(`server ${skew > 0 ? "ahead" : "behind"} by ${Math.abs(skew) / 60_000} min: one made 2 s before the call is not taken`, () =>
      Effect.gen(function*() {
        yield* TestClock.adjust("10 days")
        const fake = yield* skewedClerk(skew, { earlier: true, postFault: "503" })
        const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 } })
        const error = yield* settle(Effect.flip(invitations.create({ emailAddress: "ada@example.com" })))
        assert.strictEqual(error._tag, "DuplicateEmail")
      }))
  }
})

describe("what the found invitation must match", () => {
  it.effect("one made at the same instant with other metadata is not the call's", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request, n) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const date = { date: new Date(now).toUTCString() }
          if (request.method === "GET") {
            return json({ data: [invitationJson({ created_at: now, updated_at: now, public_metadata: { team: "other" } })], total_count: 1 }, 200, date)
          }
          return n === 1 ? json({ errors: [] }, 503, date) : clerkError(400, "duplicate_record")
        })
      )
      const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 } })
      const error = yield* settle(Effect.flip(invitations.create({ emailAddress: "ada@example.com", publicMetadata: { team: "mine" } })))
      assert.strictEqual(error._tag, "DuplicateEmail")
    }))

  it.effect("one made at the same instant with another lifetime is not the call's", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp((request, n) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const date = { date: new Date(now).toUTCString() }
          if (request.method === "GET") {
            return json({ data: [invitationJson({ created_at: now, updated_at: now, expires_at: now + 30 * 86_400_000 })], total_count: 1 }, 200, date)
          }
          return n === 1 ? json({ errors: [] }, 503, date) : clerkError(400, "duplicate_record")
        })
      )
      const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 } })
      const error = yield* settle(Effect.flip(invitations.create({ emailAddress: "ada@example.com", expiresInDays: 7 })))
      assert.strictEqual(error._tag, "DuplicateEmail")
    }))
})

describe("an unreachable API", () => {
  it.effect("create fails naming POST /invitations, the lookup's failure kept as its cause, without the secret", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => "reset")
      const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 } })
      const error = yield* settle(Effect.flip(invitations.create({ emailAddress: "ada@example.com" })))
      assert.strictEqual(error._tag, "ClerkRequestError")
      if (error._tag !== "ClerkRequestError") return
      assert.deepStrictEqual([error.method, error.path, error.reason], ["POST", "/invitations", "Transport"])
      assert.match(error.message, /^POST \/invitations failed in transport/)
      assert.include(String(error.cause), "GET /invitations")
      for (const text of [String(error), JSON.stringify(error), error.message]) assert.notInclude(text, secret)
      const methods = (yield* Ref.get(fake.requests)).map((r) => r.method)
      assert.include(methods, "GET")
    }))

  it.effect("revoke fails naming its own POST, not the lookup", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => "reset")
      const invitations = yield* invitationsOver(fake.layer, { retry: { times: 1 } })
      const error = yield* settle(Effect.flip(invitations.revoke("inv_abc")))
      assert.strictEqual(error._tag, "ClerkRequestError")
      if (error._tag !== "ClerkRequestError") return
      assert.deepStrictEqual([error.method, error.path], ["POST", "/invitations/inv_abc/revoke"])
      assert.match(error.message, /^POST \/invitations\/inv_abc\/revoke failed in transport: the lookup for what it did, GET \/invitations, failed/)
    }))
})
