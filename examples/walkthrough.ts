/**
 * The walkthrough: create, bulk create, list, stream and revoke invitations, then meet every typed
 * error and catch it by its tag.
 *
 * Without `CLERK_SECRET_KEY` it starts the emulator on 127.0.0.1 (a random port) and talks to it
 * over real HTTP, exactly as it would talk to Clerk. With `CLERK_SECRET_KEY` set it talks to Clerk
 * (or to `CLERK_API_URL`), sends no emails (`notify: false`), invites addresses on
 * `example.com` only, and revokes what it created before it ends.
 *
 *     npm start
 */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import type { Invitation } from "@effect-clerk/invitations/Invitation"
import { UndiciHttpClient } from "@effect-clerk/undici"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"

const show = (invitation: Invitation) =>
  `${invitation.id}  ${invitation.emailAddress.padEnd(28)} ${invitation.status.padEnd(8)} expires ${
    invitation.expiresAt === undefined ? "never" : DateTime.formatIso(invitation.expiresAt).slice(0, 10)
  }`

const step = (title: string) => Console.log(`\n== ${title}`)
const caught = (tag: string, message: string) => Console.log(`  caught ${tag}: ${message}`)

/** The tour itself: everything here is plain use of the `Invitations` service. */
const tour = (options: { readonly emulator: Option.Option<ClerkEmulator.Service>; readonly apiUrl: string }) =>
  Effect.gen(function*() {
    const invitations = yield* Invitations.Invitations
    const run = Date.now().toString(36)
    const email = (name: string) => `${name}+${run}@example.com`
    const created: Array<string> = []

    yield* step("create")
    const ada = yield* invitations.create({
      emailAddress: email("ada"),
      publicMetadata: { plan: "pro", referredBy: "walkthrough" },
      expiresInDays: 7,
      notify: false
    })
    created.push(ada.id)
    yield* Console.log(`  ${show(ada)}`)

    yield* step("createBulk (up to 10 per call)")
    const team = yield* invitations.createBulk(
      ["grace", "alan", "barbara"].map((name) => ({ emailAddress: email(name), notify: false }))
    )
    created.push(...team.map((invitation) => invitation.id))
    for (const invitation of team) yield* Console.log(`  ${show(invitation)}`)

    yield* step("list (one page, newest first)")
    const page = yield* invitations.list({ limit: 2, query: run })
    yield* Console.log(`  ${page.data.length} of ${page.totalCount} matching invitations:`)
    for (const invitation of page.data) yield* Console.log(`  ${show(invitation)}`)

    yield* step("stream (every page, pulled lazily)")
    const emails = yield* invitations.stream({ query: run, pageSize: 2, orderBy: "email_address" }).pipe(
      Stream.map((invitation) => invitation.emailAddress),
      Stream.runCollect
    )
    yield* Console.log(`  ${emails.length} invitations: ${[...emails].join(", ")}`)

    yield* step("revoke")
    const revoked = yield* invitations.revoke(ada.id)
    yield* Console.log(`  ${show(revoked)}`)

    yield* step("every typed error, caught by tag")
    yield* invitations.create({ emailAddress: "not-an-email" }).pipe(
      Effect.catchTag("InvalidRequest", (e) => caught(e._tag, `${e.message} (nothing was sent)`))
    )
    const graceEmail = team[0]?.emailAddress ?? email("grace")
    yield* invitations.create({ emailAddress: graceEmail, notify: false }).pipe(
      Effect.catchTag("DuplicateEmail", (e) => caught(e._tag, e.message))
    )
    yield* invitations.revoke(ada.id).pipe(
      Effect.catchTag("InvitationNotRevocable", (e) => caught(e._tag, e.message))
    )
    yield* invitations.revoke("inv_2g7np7Hrk0SN6kj5EDMLDaKNL0S").pipe(
      Effect.catchTag("InvitationNotFound", (e) => caught(e._tag, e.message))
    )
    // Another secret key, refused.
    yield* Invitations.Invitations.pipe(
      Effect.flatMap((other) => other.list()),
      Effect.provide(Invitations.layer.pipe(
        Layer.provide(ClerkClient.layer({ secretKey: Redacted.make("sk_test_0000000000000000000000000000000000000000"), apiUrl: options.apiUrl })),
        Layer.provide(UndiciHttpClient.layer)
      )),
      Effect.catchTag("Unauthorized", (e) => caught(e._tag, e.message))
    )
    // Nothing listens on port 9 of loopback: a transport failure, after no retries.
    yield* Invitations.Invitations.pipe(
      Effect.flatMap((other) => other.list()),
      Effect.provide(Invitations.layer.pipe(
        Layer.provide(ClerkClient.layer({ secretKey: Redacted.make("sk_test_x"), apiUrl: "http://127.0.0.1:9", retry: false })),
        Layer.provide(UndiciHttpClient.layer)
      )),
      Effect.catchTag("ClerkRequestError", (e) => caught(e._tag, e.message))
    )
    if (Option.isSome(options.emulator)) {
      const emulator = options.emulator.value
      // Clerk allows 100 creates per hour; past that it answers 429 with Retry-After in seconds.
      yield* emulator.injectFaults("create", Fault.Status({ status: 429, retryAfter: 3600 }))
      yield* invitations.create({ emailAddress: email("late"), notify: false }).pipe(
        Effect.catchTag("RateLimited", (e) =>
          caught(e._tag, `${e.message} (beyond the 60 s wait budget, so it failed at once)`))
      )
      // A server fault that outlasts every retry.
      yield* emulator.injectFaults("list", Fault.Status({ status: 503 }), 10)
      yield* invitations.list().pipe(
        Effect.catchTag("ClerkApiError", (e) => caught(e._tag, e.message))
      )
    } else {
      yield* Console.log("  (RateLimited and ClerkApiError are shown against the emulator only)")
      yield* step("clean up")
      yield* Effect.forEach(created.slice(1), (id) => Effect.ignore(invitations.revoke(id)), { discard: true })
      yield* Console.log(`  revoked the ${created.length - 1} remaining invitations this run created`)
    }
    yield* Console.log("\nDone.")
  })

const againstClerk = Effect.gen(function*() {
  const apiUrl = yield* Config.string("CLERK_API_URL").pipe(Config.withDefault(ClerkClient.defaultApiUrl))
  yield* Console.log(`Talking to Clerk at ${apiUrl} (CLERK_SECRET_KEY is set).`)
  return yield* tour({ emulator: Option.none(), apiUrl }).pipe(
    Effect.provide(Invitations.layer.pipe(
      Layer.provide(ClerkClient.layerConfig({ timeout: Config.succeed("transport"), redirects: Config.succeed("transport") })),
      Layer.provide(UndiciHttpClient.layerWith({ timeout: "30 seconds" }))
    ))
  )
})

const againstEmulator = Effect.gen(function*() {
  const apiUrl = yield* ClerkEmulator.serverUrl
  const emulator = yield* ClerkEmulator.ClerkEmulator
  yield* Console.log(`No CLERK_SECRET_KEY: started the emulator at ${apiUrl}.`)
  return yield* tour({ emulator: Option.some(emulator), apiUrl }).pipe(
    Effect.provide(Invitations.layer.pipe(
      Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(ClerkEmulator.defaultSecretKey), apiUrl, timeout: "transport", redirects: "transport" })),
      Layer.provide(UndiciHttpClient.layerWith({ timeout: "30 seconds" }))
    ))
  )
}).pipe(Effect.provide(ClerkEmulator.layerServer()))

const main = Effect.gen(function*() {
  const secret = yield* Config.option(Config.redacted("CLERK_SECRET_KEY"))
  yield* Option.isSome(secret) ? againstClerk : againstEmulator
}).pipe(
  Effect.timeoutFail({ duration: Duration.minutes(5), onTimeout: () => new Error("the walkthrough took over 5 minutes") })
)

NodeRuntime.runMain(main)
