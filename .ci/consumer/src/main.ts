/**
 * A stranger's program: built with tsc, run with plain `node`, against the `clerk-emulator` bin
 * that the installed package put in node_modules/.bin. Exits 0 only if every step did what the
 * README says.
 */
import { ClerkClient, Invitations } from "@effect-clerk/invitations"
import { UndiciHttpClient } from "@effect-clerk/undici"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Chunk, Effect, Layer, Redacted, Stream } from "effect"
import { spawn } from "node:child_process"
import * as path from "node:path"

const bin = path.join(process.cwd(), "node_modules", ".bin", "clerk-emulator")

/** Starts the installed emulator on a free port; stops it when the scope closes. */
const emulator = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly stop: () => void }, Error>((resume) => {
    const child = spawn(bin, ["--port", "0"], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.on("data", (data: Buffer) => {
      out += data.toString()
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match?.[1] !== undefined) resume(Effect.succeed({ url: match[1], stop: () => child.kill("SIGTERM") }))
    })
    child.once("exit", (code) => resume(Effect.fail(new Error(`clerk-emulator exited with ${code}: ${out}`))))
  }),
  ({ stop }) => Effect.sync(stop)
)

const check = (ok: boolean, what: string) => ok ? Effect.log(`ok: ${what}`) : Effect.die(new Error(`failed: ${what}`))

const program = Effect.gen(function*() {
  const invitations = yield* Invitations.Invitations
  const ada = yield* invitations.create({ emailAddress: "ada@example.com", notify: false })
  yield* check(ada.status === "pending", "create")
  const duplicate = yield* invitations.create({ emailAddress: "ada@example.com" }).pipe(
    Effect.as("created twice"),
    Effect.catchTag("DuplicateEmail", (e) => Effect.succeed(e.reason))
  )
  yield* check(duplicate === "InvitationPending", "DuplicateEmail caught by tag")
  yield* invitations.createBulk([{ emailAddress: "grace@example.com" }, { emailAddress: "alan@example.com" }])
  const page = yield* invitations.list({ status: "pending", limit: 2 })
  yield* check(page.data.length === 2 && page.totalCount === 3, "list")
  const all = yield* Stream.runCollect(invitations.stream({ pageSize: 1 }))
  yield* check(Chunk.size(all) === 3, "stream over every page")
  const revoked = yield* invitations.revoke(ada.id)
  yield* check(revoked.status === "revoked", "revoke")
  const missing = yield* invitations.revoke("inv_2xNotThereNotThereNotThere0").pipe(
    Effect.as("revoked a ghost"),
    Effect.catchTag("InvitationNotFound", (e) => Effect.succeed(e._tag))
  )
  yield* check(missing === "InvitationNotFound", "InvitationNotFound caught by tag")
})

/** The same emulator read back over `@effect-clerk/undici`, with its own timeout. */
const overUndici = Effect.gen(function*() {
  const invitations = yield* Invitations.Invitations
  const page = yield* invitations.list({ status: "pending", limit: 10 })
  yield* check(page.data.length === 2 && page.totalCount === 2, "list over UndiciHttpClient")
})

const main = Effect.gen(function*() {
  const { url } = yield* emulator
  const clerk = ClerkClient.layer({ secretKey: Redacted.make("sk_test_emulator"), apiUrl: url })
  yield* program.pipe(
    Effect.provide(Invitations.layer.pipe(Layer.provide(clerk), Layer.provide(FetchHttpClient.layer)))
  )
  yield* overUndici.pipe(
    Effect.provide(Invitations.layer.pipe(
      Layer.provide(clerk),
      Layer.provide(UndiciHttpClient.layerWith({ timeout: "10 seconds" }))
    ))
  )
}).pipe(Effect.scoped)

Effect.runPromise(main).then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  }
)
