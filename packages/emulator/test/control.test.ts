import { HttpClientRequest } from "@effect/platform"
import { assert, describe, it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { base, control, get, post, record, send, withEmulator } from "./utils.js"

describe("control service", () => {
  it.effect("accept and expire fail with EmulatorError for an unknown id", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      const accept = yield* Effect.flip(emulator.accept("inv_missing"))
      const expire = yield* Effect.flip(emulator.expire("inv_missing"))
      assert.strictEqual(accept._tag, "EmulatorError")
      assert.deepStrictEqual([accept.invitationId, accept.reason, expire.reason], ["inv_missing", "NotFound", "NotFound"])
      assert.include(accept.message, "inv_missing")
    }).pipe(withEmulator()))

  it.effect("accept makes the invitation accepted and its address a user's", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      const id = String(record((yield* post("/invitations", { email_address: "a@example.com" })).json).id)
      yield* TestClock.adjust("1 second")
      yield* emulator.accept(id)
      const [stored] = yield* emulator.invitations
      assert.strictEqual(stored?.status, "accepted")
      assert.strictEqual(stored?.updated_at, 1000)
      const again = yield* post("/invitations", { email_address: "a@example.com" })
      assert.strictEqual(again.status, 422)
      assert.strictEqual((yield* Effect.flip(emulator.accept(id))).reason, "NotPending")
    }).pipe(withEmulator()))

  it.effect("expire sets expires_at to now - 1 so the status reads expired", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      const id = String(record((yield* post("/invitations", { email_address: "a@example.com" })).json).id)
      yield* TestClock.adjust("1 hour")
      yield* emulator.expire(id)
      const [stored] = yield* emulator.invitations
      assert.strictEqual(stored?.status, "expired")
      assert.strictEqual(stored?.expires_at, 3_600_000 - 1)
      assert.strictEqual((yield* Effect.flip(emulator.accept(id))).reason, "NotPending")
    }).pipe(withEmulator()))

  it.effect("invitations include revoked ones in wire form", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      const id = String(record((yield* post("/invitations", { email_address: "a@example.com" })).json).id)
      yield* post(`/invitations/${id}/revoke`)
      const [stored] = yield* emulator.invitations
      assert.strictEqual(stored?.revoked, true)
      assert.strictEqual(stored?.status, "revoked")
      assert.isUndefined(stored?.url)
    }).pipe(withEmulator()))

  it.effect("requests records method, path, params, headers as received, parsed body and status", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* post("/invitations", { email_address: "a@example.com" })
      yield* get("/invitations", [["status", "pending"], ["status", "expired"]])
      yield* send(HttpClientRequest.get(`${base}/nowhere`))
      const [create, list, missing] = yield* emulator.requests
      assert.strictEqual(create?.method, "POST")
      assert.strictEqual(create?.path, "/v1/invitations")
      assert.deepStrictEqual(create?.body, { email_address: "a@example.com" })
      assert.strictEqual(create?.status, 200)
      assert.strictEqual(create?.headers["authorization"], "Bearer sk_test_emulator")
      assert.strictEqual(create?.headers["clerk-api-version"], "2026-05-12")
      assert.deepStrictEqual(list?.urlParams, [["status", "pending"], ["status", "expired"]])
      assert.isUndefined(list?.body)
      assert.deepStrictEqual([missing?.path, missing?.status], ["/v1/nowhere", 404])
      assert.isUndefined(missing?.fault)
    }).pipe(withEmulator({ logAuthorization: true })))

  it.effect("reset clears invitations, users, requests, faults and quotas", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* post("/invitations", { email_address: "a@example.com" })
      yield* emulator.seedUser("user@example.com")
      yield* emulator.injectFaults("*", { _tag: "ResetBefore" })
      yield* emulator.reset
      assert.deepStrictEqual(yield* emulator.invitations, [])
      assert.deepStrictEqual(yield* emulator.requests, [])
      assert.strictEqual((yield* post("/invitations", { email_address: "user@example.com" })).status, 200)
      assert.strictEqual((yield* post("/invitations", { email_address: "b@example.com" })).status, 429)
      yield* emulator.reset
      assert.strictEqual((yield* post("/invitations", { email_address: "b@example.com" })).status, 200)
    }).pipe(withEmulator({ rateLimits: { create: 1 } })))
})
