/**
 * The README's "Test your code against the emulator" snippet, verbatim, so that it stays true.
 */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import { assert, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"

const TestInvitations = Invitations.layer.pipe(
  Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(ClerkEmulator.defaultSecretKey) })),
  Layer.provideMerge(ClerkEmulator.layer({ rateLimits: false })) // a fresh in-memory Clerk
)

it.effect("tells the user who is already invited", () =>
  Effect.gen(function*() {
    const emulator = yield* ClerkEmulator.ClerkEmulator
    yield* emulator.seedUser("grace@example.com")                 // a user owns this address
    const invitations = yield* Invitations.Invitations
    const error = yield* Effect.flip(invitations.create({ emailAddress: "grace@example.com" }))
    assert.strictEqual(error._tag, "DuplicateEmail")
    yield* emulator.injectFaults("create", Fault.ResetAfter())    // the next create is performed, its answer lost
    assert.lengthOf(yield* emulator.requests, 1)
  }).pipe(Effect.provide(TestInvitations)))
