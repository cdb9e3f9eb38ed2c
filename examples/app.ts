/**
 * The README's "Use it in an Effect app" snippet, kept type-checked by `npm run check`.
 * Run it against Clerk with
 * `CLERK_SECRET_KEY=sk_test_… npx tsx --conditions=@effect-clerk/source examples/app.ts`
 * (the condition makes our packages resolve to their sources, so no build is needed).
 * A test holds the README's block equal to this file below this comment.
 */
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import { UndiciHttpClient } from "@effect-clerk/undici"
import { Config, Effect, Layer, Stream } from "effect"

const program = Effect.gen(function*() {
  const invitations = yield* Invitations.Invitations
  const invitation = yield* invitations.create({ emailAddress: "ada@example.com", expiresInDays: 7, notify: false })
  const { data, totalCount } = yield* invitations.list({ status: "pending", limit: 100 })
  const everyone = yield* Stream.runCollect(invitations.stream({ orderBy: "email_address" }))
  yield* Effect.log(`${data.length} of ${totalCount} pending; ${everyone.length} in all`)
  yield* invitations.revoke(invitation.id)
}).pipe(
  Effect.catchTags({
    DuplicateEmail: (e) => Effect.logWarning(e.message), // e.emailAddresses, e.reason
    RateLimited: (e) => Effect.logWarning(`retry in ${e.retryAfter}`)
  })
)

// The Invitations service needs a ClerkClient, which needs an HttpClient of your choice.
const InvitationsLive = Invitations.layer.pipe(
  // CLERK_SECRET_KEY (redacted), CLERK_API_URL; the HTTP layer below times each attempt and,
  // being undici, never follows a redirect: ClerkClient leaves both to it
  Layer.provide(ClerkClient.layerConfig({
    timeout: Config.succeed("transport"),
    redirects: Config.succeed("transport")
  })),
  // recommended on Node; elsewhere FetchHttpClient.layer, and ClerkClient.layerConfig() above
  Layer.provide(UndiciHttpClient.layerWith({ timeout: "30 seconds" }))
)

program.pipe(Effect.provide(InvitationsLive), Effect.runPromise).catch((error: unknown) => {
  console.error(String(error))
  process.exitCode = 1
})
