/** A stranger's spec: the emulator layer swapped in for the HTTP layer, errors caught by tag. */
import { ClerkEmulator } from "@effect-clerk/emulator"
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import { assert, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"

const TestInvitations = Invitations.layer.pipe(
  Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(ClerkEmulator.defaultSecretKey) })),
  Layer.provideMerge(ClerkEmulator.layer({ rateLimits: false }))
)

it.effect("creates, lists and revokes against the in-process emulator", () =>
  Effect.gen(function*() {
    const invitations = yield* Invitations.Invitations
    const created = yield* invitations.create({ emailAddress: "ada@example.com" })
    const { totalCount } = yield* invitations.list()
    assert.strictEqual(totalCount, 1)
    const revoked = yield* invitations.revoke(created.id)
    assert.strictEqual(revoked.status, "revoked")
    const again = yield* Effect.flip(invitations.revoke(created.id))
    assert.strictEqual(again._tag, "InvitationNotRevocable")
  }).pipe(Effect.provide(TestInvitations)))
