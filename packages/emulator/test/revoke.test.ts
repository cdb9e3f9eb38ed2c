import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { code, control, errors, post, record, withEmulator } from "./utils.js"

const create = (email: string) =>
  Effect.map(post("/invitations", { email_address: email }), (reply) => String(record(reply.json).id))

describe("POST /v1/invitations/:id/revoke", () => {
  it.effect("revokes: revoked true, status revoked, url omitted, updated_at bumped", () =>
    Effect.gen(function*() {
      const id = yield* create("a@example.com")
      yield* TestClock.adjust("5 seconds")
      const reply = yield* post(`/invitations/${id}/revoke`)
      assert.strictEqual(reply.status, 200)
      const body = record(reply.json)
      assert.deepStrictEqual(Object.keys(body).sort(), [
        "created_at", "email_address", "expires_at", "id", "object", "public_metadata", "revoked", "status", "updated_at"
      ])
      assert.strictEqual(body.revoked, true)
      assert.strictEqual(body.status, "revoked")
      assert.strictEqual(body.created_at, 0)
      assert.strictEqual(body.updated_at, 5000)
      assert.strictEqual(body.expires_at, 30 * 86_400_000)
    }).pipe(withEmulator()))

  it.effect("an unknown id is 404 resource_not_found", () =>
    Effect.gen(function*() {
      const reply = yield* post("/invitations/inv_nope/revoke")
      assert.strictEqual(reply.status, 404)
      assert.deepStrictEqual(errors(reply), [{
        message: "not found",
        long_message: "No invitation was found with id inv_nope.",
        code: "resource_not_found"
      }])
    }).pipe(withEmulator()))

  it.effect("the path parameter is percent-decoded once", () =>
    Effect.gen(function*() {
      const reply = yield* post("/invitations/inv%2520x%20y/revoke")
      assert.strictEqual(errors(reply)[0]?.long_message, "No invitation was found with id inv%20x y.")
    }).pipe(withEmulator()))

  it.effect("revoking twice is 400 invitation_already_revoked", () =>
    Effect.gen(function*() {
      const id = yield* create("a@example.com")
      yield* post(`/invitations/${id}/revoke`)
      const reply = yield* post(`/invitations/${id}/revoke`)
      assert.strictEqual(reply.status, 400)
      assert.deepStrictEqual(errors(reply), [{
        message: "Invitation is already revoked.",
        long_message: "Invitation is already revoked.",
        code: "invitation_already_revoked"
      }])
    }).pipe(withEmulator()))

  it.effect("an accepted invitation is 400 invitation_already_accepted", () =>
    Effect.gen(function*() {
      const id = yield* create("a@example.com")
      yield* Effect.flatMap(control, (c) => c.accept(id))
      const reply = yield* post(`/invitations/${id}/revoke`)
      assert.deepStrictEqual([reply.status, code(reply)], [400, "invitation_already_accepted"])
    }).pipe(withEmulator()))

  it.effect("an expired invitation can be revoked", () =>
    Effect.gen(function*() {
      const id = yield* create("a@example.com")
      yield* Effect.flatMap(control, (c) => c.expire(id))
      const reply = yield* post(`/invitations/${id}/revoke`)
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(record(reply.json).status, "revoked")
    }).pipe(withEmulator()))

  it.effect("a revoked invitation no longer blocks a new one", () =>
    Effect.gen(function*() {
      const id = yield* create("a@example.com")
      yield* post(`/invitations/${id}/revoke`)
      assert.strictEqual((yield* post("/invitations", { email_address: "a@example.com" })).status, 200)
    }).pipe(withEmulator()))
})
