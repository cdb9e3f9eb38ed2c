/**
 * The minimal app of the bundle benchmark, ours over `UndiciHttpClient` (undici bundled in):
 * create, list and revoke one invitation. Deep imports only, as the README recommends.
 */
import * as ClerkClient from "@effect-clerk/invitations/ClerkClient"
import * as Invitations from "@effect-clerk/invitations/Invitations"
import * as UndiciHttpClient from "@effect-clerk/undici/UndiciHttpClient"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"

/** Creates, lists and revokes against `apiUrl`. */
export const main = (apiUrl: string, secretKey: string): Promise<number> =>
  Effect.gen(function*() {
    const invitations = yield* Invitations.Invitations
    const created = yield* invitations.create({ emailAddress: "ada@example.com" })
    const page = yield* invitations.list({ limit: 10 })
    yield* invitations.revoke(created.id)
    return page.data.length
  }).pipe(
    Effect.provide(Invitations.layer.pipe(
      Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(secretKey), apiUrl, timeout: "transport", redirects: "transport" })),
      Layer.provide(UndiciHttpClient.layerWith({ timeout: "30 seconds" }))
    )),
    Effect.runPromise
  )
