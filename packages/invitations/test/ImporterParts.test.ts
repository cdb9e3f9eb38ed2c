/**
 * The importer's parts on their own: the settle policy (every row of a call accounted for once,
 * what each answer means), the pacer (never more than its quota in a window), and the row check
 * (the very `InvalidRequest` that `Invitations.create` would fail with).
 */
import { ClerkError, Importer } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FastCheck from "effect/FastCheck"
import * as Ref from "effect/Ref"
import * as Stream from "effect/Stream"
import { Pacer } from "../src/internal/pacer.js"
import { checkRow } from "../src/internal/rows.js"
import { type Item, settleConfirmed, settleFailure, type Verdict } from "../src/internal/settle.js"
import { invitationsOver, json, live, makeFakeHttp } from "./utils.js"

const items = (n: number): ReadonlyArray<Item> =>
  Array.from({ length: n }, (_, i) => ({ emailAddress: `u${i}@example.com`, params: { emailAddress: `u${i}@example.com` }, round: 1, solo: false }))

const policy = { now: 1_000, attempts: 3, windowMillis: 3_600_000, maxQuotaWaitMillis: 65 * 60_000 }

/** Every row once: as an outcome, queued again, or handed to the list to confirm. */
const accounted = (verdict: Verdict) => [
  ...verdict.invited.map(([item]) => item.emailAddress),
  ...verdict.alreadyInvited.map((item) => item.emailAddress),
  ...verdict.userExists.map((item) => item.emailAddress),
  ...verdict.failed.map(([item]) => item.emailAddress),
  ...verdict.again.map((item) => item.emailAddress),
  ...(verdict.then._tag === "Confirm" ? verdict.then.items.map((item) => item.emailAddress) : [])
].sort()

const errorArb = (batch: ReadonlyArray<Item>) =>
  FastCheck.oneof(
    FastCheck.integer({ min: 0, max: 10_000 }).map((s) => new ClerkError.RateLimited({ retryAfter: Duration.seconds(s) })),
    FastCheck.constantFrom("Transport" as const, "Timeout" as const, "InvalidUrl" as const, "Encode" as const).map((reason) =>
      new ClerkError.ClerkRequestError({ reason, method: "POST", path: "/invitations/bulk" })
    ),
    FastCheck.constantFrom(400, 422, 500, 503).map((status) => new ClerkError.ClerkApiError({ status, errors: [] })),
    FastCheck.subarray([...batch]).chain((named) =>
      FastCheck.constantFrom("InvitationPending" as const, "UserExists" as const).map((reason) =>
        new ClerkError.DuplicateEmail({ emailAddresses: named.map((item) => item.emailAddress.toUpperCase()), reason })
      )
    ),
    FastCheck.constant(new ClerkError.Unauthorized({ status: 401, code: "authentication_invalid", message: "no" }))
  )

describe("settle policy", () => {
  it.prop(
    "every row of a failed call is accounted for exactly once",
    [FastCheck.integer({ min: 1, max: 10 }).chain((n) => errorArb(items(n)).map((error) => [items(n), error] as const))],
    ([[batch, error]]) => {
      const verdict = settleFailure(batch, error, policy)
      assert.deepStrictEqual(accounted(verdict), batch.map((item) => item.emailAddress).sort())
    }
  )

  it("a Retry-After within maxQuotaWait blocks until then; beyond it, the import stops; either way nothing is Failed", () => {
    const batch = items(3)
    const sane = settleFailure(batch, new ClerkError.RateLimited({ retryAfter: Duration.minutes(10) }), policy)
    assert.deepStrictEqual(sane.then, { _tag: "Block", until: 1_000 + 600_000 })
    const insane = settleFailure(batch, new ClerkError.RateLimited({ retryAfter: Duration.seconds(1e12) }), policy)
    assert.strictEqual(insane.then._tag, "WaitTooLong")
    assert.deepStrictEqual([sane.failed, insane.failed, sane.again.length, insane.again.length], [[], [], 3, 3])
  })

  it("an outage queues the rows again without spending a round; a 503 spends one", () => {
    const batch = items(2)
    const outage = settleFailure(batch, new ClerkError.ClerkRequestError({ reason: "Timeout", method: "POST", path: "/invitations" }), policy)
    assert.strictEqual(outage.then._tag, "Outage")
    assert.deepStrictEqual(outage.again, batch)
    const busy = settleFailure(batch, new ClerkError.ClerkApiError({ status: 503, errors: [] }), policy)
    assert.deepStrictEqual(busy.again.map((item) => item.round), [2, 2])
  })

  it("duplicate_record naming some: those AlreadyInvited, the rest again by bulk; naming all: the list confirms", () => {
    const batch = items(4)
    const some = settleFailure(batch, new ClerkError.DuplicateEmail({ emailAddresses: ["U1@example.com"], reason: "InvitationPending" }), policy)
    assert.deepStrictEqual(some.alreadyInvited.map((item) => item.emailAddress), ["u1@example.com"])
    assert.deepStrictEqual(some.again.map((item) => [item.emailAddress, item.solo]), [
      ["u0@example.com", false],
      ["u2@example.com", false],
      ["u3@example.com", false]
    ])
    const all = settleFailure(batch, new ClerkError.DuplicateEmail({ emailAddresses: batch.map((i) => i.emailAddress), reason: "InvitationPending" }), policy)
    assert.strictEqual(all.then._tag, "Confirm")
    const confirmed = settleConfirmed(batch, (email) => (email === "u0@example.com" ? "pending" : email === "u3@example.com" ? "accepted" : undefined))
    assert.deepStrictEqual(
      [confirmed.alreadyInvited.map((i) => i.emailAddress), confirmed.userExists.map((i) => i.emailAddress), confirmed.again.map((i) => i.solo)],
      [["u0@example.com"], ["u3@example.com"], [false, false]]
    )
    // nothing confirmed: Clerk named no one; single creates tell them apart
    assert.deepStrictEqual(settleConfirmed(batch, undefined).again.map((i) => i.solo), [true, true, true, true])
  })
})

describe("pacer", () => {
  it.prop(
    "never more than `limit` slots of an endpoint in any window, one call in flight at a time",
    [FastCheck.integer({ min: 1, max: 5 }), FastCheck.array(FastCheck.integer({ min: 0, max: 5_000 }), { maxLength: 60 })],
    ([limit, gaps]) => {
      const pacer = new Pacer({ create: limit, bulk: 0 }, 10_000)
      const taken: Array<number> = []
      let now = 0
      for (const gap of gaps) {
        now += gap
        if (pacer.free("create", now)) {
          pacer.take("create", now)
          assert.isFalse(pacer.free("create", now), "one call in flight")
          pacer.finish("create")
          taken.push(now)
        }
      }
      for (const at of taken) assert.isAtMost(taken.filter((t) => t > at - 10_000 && t <= at).length, limit)
      assert.isFalse(pacer.free("bulk", now), "a quota of 0 is off")
    }
  )
})

describe("row check", () => {
  const row = FastCheck.record({
    emailAddress: FastCheck.oneof(FastCheck.constant("ada@example.com"), FastCheck.string(), FastCheck.integer()),
    expiresInDays: FastCheck.oneof(FastCheck.integer({ min: -5, max: 400 }), FastCheck.constant(undefined)),
    notify: FastCheck.oneof(FastCheck.boolean(), FastCheck.constant("yes"))
  }, { requiredKeys: [] })

  it.effect.prop("its InvalidRequest is the one Invitations.create fails with, and a row it passes is sent", [row], ([params]) =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ errors: [] }, 500))
      const invitations = yield* invitationsOver(fake.layer, { retry: false })
      const checked = checkRow(params)
      // rows come from unchecked sources (CSV, JSON): any shape, as in Fuzz.test.ts
      const created = yield* Effect.either(invitations.create(params as never))
      if (checked === undefined) assert.notStrictEqual(created._tag === "Left" && created.left._tag, "InvalidRequest")
      else {
        assert.strictEqual(created._tag === "Left" && created.left._tag, "InvalidRequest")
        assert.strictEqual(created._tag === "Left" ? created.left.message : undefined, checked.message)
      }
    }))
})

describe("an invalid row's outcome", () => {
  it.effect("carries the InvalidRequest that Invitations.create gives, message and issues", () =>
    Effect.gen(function*() {
      const fake = yield* makeFakeHttp(() => json({ errors: [] }, 500))
      const rows = [{ emailAddress: "not an email" }, { emailAddress: "ada@example.com", expiresInDays: 0 }]
      const results = yield* Stream.runCollect(Importer.invite(rows, { skipExisting: false })).pipe(Effect.provide(live(fake.layer)))
      const invitations = yield* invitationsOver(fake.layer)
      for (const [i, { outcome }] of Chunk.toReadonlyArray(results).entries()) {
        const expected = yield* Effect.flip(invitations.create(rows[i] ?? { emailAddress: "" }))
        assert.strictEqual(outcome._tag, "Invalid")
        if (outcome._tag !== "Invalid" || expected._tag !== "InvalidRequest") return assert.fail("not invalid")
        assert.deepStrictEqual([outcome.error.message, outcome.error.issues], [expected.message, expected.issues])
      }
      assert.lengthOf(yield* Ref.get(fake.requests), 0)
    }))
})
