/**
 * Model-based properties: after any sequence of creates, seeds, revokes, accepts, expiries and
 * clock moves (backwards too), creates answer what Clerk's rules predict from the stored
 * invitations, and every list answers what the naive reference computes from them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, FastCheck as fc, TestClock } from "effect"
import type { ClerkEmulator } from "../src/index.js"
import { listPage, orders, reference, type ListQuery } from "./reference.js"
import { code, control, post, withEmulator } from "./utils.js"

const emails = ["a@example.com", "A@Example.com", "b@example.com", "user0@example.com", "User1@example.com", "c@x.io"]
const statuses = ["pending", "accepted", "revoked", "expired"] as const

type Op =
  | { readonly _tag: "create"; readonly email: string; readonly ignoreExisting: boolean; readonly days: number | null }
  | { readonly _tag: "bulk"; readonly emails: ReadonlyArray<string> }
  | { readonly _tag: "seed"; readonly count: number; readonly status: (typeof statuses)[number] }
  | { readonly _tag: "revoke" | "accept" | "expire"; readonly pick: number }
  | { readonly _tag: "tick"; readonly hours: number }
  | { readonly _tag: "list"; readonly query: ListQuery }

const listQuery: fc.Arbitrary<ListQuery> = fc.record({
  status: fc.option(fc.uniqueArray(fc.constantFrom(...statuses), { maxLength: 3 }), { nil: undefined }),
  query: fc.option(fc.constantFrom("a@", "EXAMPLE", "user", "inv_", "x.io", "zzz"), { nil: undefined }),
  orderBy: fc.option(fc.constantFrom(...orders), { nil: undefined }),
  limit: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  offset: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined })
}, { requiredKeys: [] })

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      _tag: fc.constant("create" as const),
      email: fc.constantFrom(...emails),
      ignoreExisting: fc.boolean(),
      days: fc.option(fc.integer({ min: 1, max: 3 }))
    })
  },
  {
    weight: 1,
    arbitrary: fc.record({
      _tag: fc.constant("bulk" as const),
      emails: fc.array(fc.constantFrom(...emails), { minLength: 1, maxLength: 3 })
    })
  },
  {
    weight: 2,
    arbitrary: fc.record({
      _tag: fc.constant("seed" as const),
      count: fc.integer({ min: 0, max: 4 }),
      status: fc.constantFrom(...statuses)
    })
  },
  {
    weight: 3,
    arbitrary: fc.record({ _tag: fc.constantFrom("revoke" as const, "accept" as const, "expire" as const), pick: fc.nat() })
  },
  { weight: 2, arbitrary: fc.record({ _tag: fc.constant("tick" as const), hours: fc.integer({ min: -40, max: 40 }) }) },
  { weight: 4, arbitrary: fc.record({ _tag: fc.constant("list" as const), query: listQuery }) }
)

/** What a create of `addresses` (one call) must answer, from the stored invitations alone. */
const predicted = (
  all: ReadonlyArray<ClerkEmulator.StoredInvitation>,
  addresses: ReadonlyArray<string>,
  ignoreExisting: boolean
): readonly [number, unknown] => {
  const pending = new Set(all.filter((i) => i.status === "pending").map((i) => i.email_address.toLowerCase()))
  const users = new Set(all.filter((i) => i.status === "accepted").map((i) => i.email_address.toLowerCase()))
  for (const address of addresses) {
    const key = address.toLowerCase()
    if (pending.has(key) && !ignoreExisting) return [400, "duplicate_record"]
    pending.add(key)
  }
  if (!ignoreExisting && addresses.some((address) => users.has(address.toLowerCase()))) return [422, "form_identifier_exists"]
  return [200, undefined]
}

/** Lists with `q` and checks the page against the reference over what is stored now. */
const checkList = (q: ListQuery) =>
  Effect.gen(function*() {
    const all = yield* Effect.flatMap(control, (emulator) => emulator.invitations)
    assert.deepStrictEqual(yield* listPage(q), reference(all, q), JSON.stringify({ q, all }))
  })

const apply = (step: Op) =>
  Effect.gen(function*() {
    const emulator = yield* control
    const all = yield* emulator.invitations
    switch (step._tag) {
      case "create": {
        const reply = yield* post("/invitations", {
          email_address: step.email,
          ignore_existing: step.ignoreExisting,
          ...(step.days === null ? {} : { expires_in_days: step.days })
        })
        assert.deepStrictEqual([reply.status, code(reply)], predicted(all, [step.email], step.ignoreExisting), JSON.stringify(step))
        return
      }
      case "bulk": {
        const reply = yield* post("/invitations/bulk", step.emails.map((email_address) => ({ email_address })))
        assert.deepStrictEqual([reply.status, code(reply)], predicted(all, step.emails, false), JSON.stringify(step))
        return
      }
      case "list":
        return yield* checkList(step.query)
      case "seed":
        return yield* emulator.seed({ count: step.count, status: step.status })
      case "tick": {
        const now = yield* Clock.currentTimeMillis
        return yield* TestClock.setTime(Math.max(0, now + step.hours * 3_600_000))
      }
      case "revoke":
      case "accept":
      case "expire": {
        const target = all[step.pick % Math.max(1, all.length)]
        if (target === undefined) return
        if (step._tag === "revoke") {
          const reply = yield* post(`/invitations/${target.id}/revoke`)
          const expected = target.status === "revoked" ? 400 : target.status === "accepted" ? 400 : 200
          assert.strictEqual(reply.status, expected, JSON.stringify({ step, target }))
          return
        }
        const action = step._tag === "accept" ? emulator.accept : emulator.expire
        yield* Effect.either(action(target.id))
      }
    }
  })

describe("model", () => {
  it.effect("orders stay right after an expire and after the clock goes back", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* TestClock.adjust("10 hours")
      yield* emulator.seed({ count: 5 })
      yield* checkList({ orderBy: "expires_at" })
      const all = yield* emulator.invitations
      yield* emulator.expire(all[3]?.id ?? "")
      yield* checkList({ orderBy: "expires_at" })
      yield* checkList({ orderBy: "-expires_at", status: ["expired"] })
      yield* TestClock.setTime(3_600_000)
      yield* post("/invitations", { email_address: "early@example.com" })
      yield* TestClock.setTime(7_200_000)
      yield* post("/invitations", { email_address: "later@example.com" })
      for (const orderBy of orders) yield* checkList({ orderBy })
      yield* checkList({})
      const first = yield* listPage({ orderBy: "created_at", limit: 1 })
      assert.strictEqual(first.ids[0], (yield* emulator.invitations)[5]?.id)
    }).pipe(withEmulator()))

  it.effect.prop(
    "after any history, creates answer as predicted and lists match the reference",
    { history: fc.array(op, { maxLength: 40 }), queries: fc.array(listQuery, { minLength: 1, maxLength: 6 }) },
    ({ history, queries }) =>
      Effect.gen(function*() {
        for (const step of history) yield* apply(step)
        for (const q of queries) yield* checkList(q)
      }).pipe(withEmulator({ rateLimits: false })),
    { fastCheck: { numRuns: 120 } }
  )
})
