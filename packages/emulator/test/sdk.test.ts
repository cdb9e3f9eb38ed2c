/** The official `@clerk/backend` SDK against the served emulator. */
import { createClerkClient } from "@clerk/backend"
import { isClerkAPIResponseError } from "@clerk/backend/errors"
import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { ClerkEmulator } from "../src/index.js"

const sdk = (secretKey = ClerkEmulator.defaultSecretKey) =>
  Effect.map(ClerkEmulator.serverUrl, (apiUrl) => createClerkClient({ secretKey, apiUrl }))

/** The SDK's rejection, checked to be a ClerkAPIResponseError. */
const apiError = <A>(call: () => Promise<A>) =>
  Effect.tryPromise(call).pipe(
    Effect.flip,
    Effect.map((error) => {
      const cause = error.cause
      if (!isClerkAPIResponseError(cause)) throw new Error(`not a ClerkAPIResponseError: ${String(cause)}`)
      return cause
    })
  )

layer(ClerkEmulator.layerServer(), { excludeTestServices: true })("@clerk/backend 3.25.0", (it) => {
  it.effect("createInvitation, createInvitationBulk, getInvitationList and revokeInvitation", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(ClerkEmulator.ClerkEmulator, (c) => c.reset)
      const clerk = yield* sdk()
      const created = yield* Effect.promise(() =>
        clerk.invitations.createInvitation({ emailAddress: "ada@example.com", publicMetadata: { teamId: "t1" } })
      )
      assert.match(created.id, /^inv_[0-9A-Za-z]{27}$/)
      assert.strictEqual(created.emailAddress, "ada@example.com")
      assert.strictEqual(created.status, "pending")
      assert.deepStrictEqual(created.publicMetadata, { teamId: "t1" })
      assert.isString(created.url)
      assert.isNumber(created.createdAt)

      const bulk = yield* Effect.promise(() =>
        clerk.invitations.createInvitationBulk([{ emailAddress: "b@example.com" }, { emailAddress: "c@example.com", expiresInDays: 2 }])
      )
      assert.deepStrictEqual(bulk.map((i) => i.emailAddress), ["b@example.com", "c@example.com"])

      const page = yield* Effect.promise(() => clerk.invitations.getInvitationList({ limit: 2, orderBy: "email_address" }))
      assert.strictEqual(page.totalCount, 3)
      assert.deepStrictEqual(page.data.map((i) => i.emailAddress), ["ada@example.com", "b@example.com"])

      const revoked = yield* Effect.promise(() => clerk.invitations.revokeInvitation(created.id))
      assert.strictEqual(revoked.status, "revoked")
      assert.strictEqual(revoked.revoked, true)
      assert.isUndefined(revoked.url)

      const filtered = yield* Effect.promise(() => clerk.invitations.getInvitationList({ status: "revoked" }))
      assert.deepStrictEqual(filtered.data.map((i) => i.id), [created.id])

      const [received] = yield* Effect.flatMap(ClerkEmulator.ClerkEmulator, (c) => c.requests)
      assert.strictEqual(received?.headers["clerk-api-version"], "2026-05-12")
      assert.match(String(received?.headers["user-agent"]), /^@clerk\/backend@/)
    }))

  it.effect("a duplicate is 400 duplicate_record with meta.emailAddresses", () =>
    Effect.gen(function*() {
      yield* Effect.flatMap(ClerkEmulator.ClerkEmulator, (c) => c.reset)
      const clerk = yield* sdk()
      yield* Effect.promise(() => clerk.invitations.createInvitation({ emailAddress: "dup@example.com" }))
      const error = yield* apiError(() => clerk.invitations.createInvitation({ emailAddress: "dup@example.com" }))
      assert.strictEqual(error.status, 400)
      assert.strictEqual(error.errors[0]?.code, "duplicate_record")
      assert.strictEqual(error.errors[0]?.longMessage, "There are already pending invitations for the following email addresses: dup@example.com")
      assert.deepStrictEqual(error.errors[0]?.meta?.emailAddresses, ["dup@example.com"])
      assert.isNotEmpty(error.clerkTraceId)
    }))

  it.effect("revoking an unknown id is 404 resource_not_found", () =>
    Effect.gen(function*() {
      const clerk = yield* sdk()
      const error = yield* apiError(() => clerk.invitations.revokeInvitation("inv_missing"))
      assert.strictEqual(error.status, 404)
      assert.strictEqual(error.errors[0]?.code, "resource_not_found")
      assert.isNotEmpty(error.clerkTraceId)
    }))

  it.effect("a wrong secret key is 401 clerk_key_invalid", () =>
    Effect.gen(function*() {
      const clerk = yield* sdk("sk_test_wrong")
      const error = yield* apiError(() => clerk.invitations.getInvitationList())
      assert.strictEqual(error.status, 401)
      assert.strictEqual(error.errors[0]?.code, "clerk_key_invalid")
      assert.isNotEmpty(error.clerkTraceId)
    }))

  it.effect("a 429 carries retryAfter", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* emulator.reset
      yield* emulator.injectFaults("create", { _tag: "Status", status: 429, retryAfter: 123 })
      const clerk = yield* sdk()
      const error = yield* apiError(() => clerk.invitations.createInvitation({ emailAddress: "x@example.com" }))
      assert.strictEqual(error.status, 429)
      assert.strictEqual(error.retryAfter, 123)
      assert.strictEqual(error.errors[0]?.code, "too_many_requests")
    }))
})
