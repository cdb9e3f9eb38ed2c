/**
 * The store fails in the error channel with tagged errors, and each literal of the model has one
 * definition that every schema shares.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import * as Model from "../src/internal/model.js"
import * as Params from "../src/internal/params.js"
import * as Seed from "../src/internal/seed.js"
import * as Store from "../src/internal/store.js"

const make = Store.make("https://clerk.emulator.invalid")
const params = (email: string) => ({ email_address: email })

describe("store errors", () => {
  it.effect("create and bulk fail with DuplicateInvitations or IdentifierExists, storing nothing", () =>
    Effect.gen(function*() {
      const store = yield* make
      yield* store.create(params("a@example.com"), 0)
      yield* store.seedUser("user@example.com")
      const duplicate = yield* Effect.flip(store.create(params("A@example.com"), 0))
      assert.strictEqual(duplicate._tag, "DuplicateInvitations")
      assert.deepStrictEqual(duplicate.emailAddresses, ["A@example.com"])
      const taken = yield* Effect.flip(store.createBulk([params("b@example.com"), params("user@example.com")], 0))
      assert.strictEqual(taken._tag, "IdentifierExists")
      assert.deepStrictEqual(taken.emailAddresses, ["user@example.com"])
      assert.strictEqual((yield* store.all(0)).length, 1)
    }))

  it.effect("revoke fails with InvitationNotFound or NotRevocable", () =>
    Effect.gen(function*() {
      const store = yield* make
      const missing = yield* Effect.flip(store.revoke("inv_missing", 0))
      assert.deepStrictEqual([missing._tag, missing.invitationId], ["InvitationNotFound", "inv_missing"])
      const created = yield* store.create(params("a@example.com"), 0)
      yield* store.accept(created.id, 0)
      const accepted = yield* Effect.flip(store.revoke(created.id, 0))
      assert.strictEqual(accepted._tag, "NotRevocable")
      assert.strictEqual(accepted._tag === "NotRevocable" ? accepted.state : undefined, "accepted")
      const other = yield* store.create(params("b@example.com"), 0)
      yield* store.revoke(other.id, 0)
      const revoked = yield* Effect.flip(store.revoke(other.id, 0))
      assert.strictEqual(revoked._tag === "NotRevocable" ? revoked.state : undefined, "revoked")
    }))

  it.effect("accept and expire fail with InvitationNotFound or NotPending", () =>
    Effect.gen(function*() {
      const store = yield* make
      assert.strictEqual((yield* Effect.flip(store.accept("inv_missing", 0)))._tag, "InvitationNotFound")
      assert.strictEqual((yield* Effect.flip(store.expire("inv_missing", 0)))._tag, "InvitationNotFound")
      const created = yield* store.create(params("a@example.com"), 0)
      yield* store.expire(created.id, 10)
      const expired = yield* Effect.flip(store.accept(created.id, 10))
      assert.deepStrictEqual([expired._tag, expired.invitationId], ["NotPending", created.id])
      yield* store.revoke(created.id, 10)
      assert.strictEqual((yield* Effect.flip(store.expire(created.id, 10)))._tag, "NotPending")
    }))
})

describe("literals", () => {
  it("the invitation status is one literal that list queries and seeds accept, and nothing else", () => {
    assert.deepStrictEqual(Model.InvitationStatus.literals, ["pending", "accepted", "revoked", "expired"])
    assert.deepStrictEqual(Model.InvitationState.literals, ["pending", "accepted", "revoked"])
    const listStatus = Schema.is(Params.ListQuery)
    const seedStatus = Schema.is(Seed.SeedBody)
    for (const status of Model.InvitationStatus.literals) {
      assert.isTrue(listStatus({ status }), status)
      assert.isTrue(seedStatus({ count: 1, status }), status)
    }
    assert.isFalse(listStatus({ status: "open" }))
    assert.isFalse(seedStatus({ count: 1, status: "open" }))
  })

  it("order-by values are the order fields, each bare, ascending or descending", () => {
    const orderBy = Schema.is(Params.ListQuery)
    for (const field of Model.OrderField.literals) {
      for (const value of [field, `+${field}`, `-${field}`]) assert.isTrue(orderBy({ order_by: value }), value)
    }
    assert.isFalse(orderBy({ order_by: "updated_at" }))
    assert.deepStrictEqual(Model.FaultRoute.literals, [...Model.Operation.literals, "*"])
    assert.deepStrictEqual(Model.TemplateSlug.literals, ["invitation", "waitlist_invitation"])
  })
})
