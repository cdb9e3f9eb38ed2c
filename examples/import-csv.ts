/**
 * Invite everyone in a CSV file at Clerk's pace, with a progress bar.
 *
 *     npm run import -- people.csv        # columns: email (or email_address), and optional
 *                                         # redirect_url, expires_in_days, any other → public_metadata
 *     npm run import                      # no file: 1,000 generated rows
 *
 * With `CLERK_SECRET_KEY` it invites through Clerk (with `notify: false` unless `--notify`), at
 * Clerk's real quotas: 350 an hour. Without it, it runs against the emulator with Clerk's quotas
 * squeezed into a 10-second window, so the pacing (bulk calls and single creates side by side,
 * waits for the next window) plays out in under a minute. Run it twice over the same file: the
 * second run skips everyone already invited.
 */
import { ClerkEmulator } from "@effect-clerk/emulator"
import { ClerkClient, Importer, Invitations } from "@effect-clerk/invitations"
import type { CreateParams } from "@effect-clerk/invitations/Invitation"
import { UndiciHttpClient } from "@effect-clerk/undici"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import { SingleBar } from "cli-progress"
import { parse } from "csv-parse"
import * as Config from "effect/Config"
import * as Console from "effect/Console"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { createReadStream } from "node:fs"
import { Readable } from "node:stream"

const args = process.argv.slice(2)
const file = args.find((arg) => !arg.startsWith("--"))
const notify = args.includes("--notify")

/** A CSV row as csv-parse gives it with `columns: true`. */
type Row = Readonly<Record<string, string>>

const toParams = (row: Row): CreateParams => {
  const { email, email_address, expires_in_days, redirect_url, ...metadata } = row
  return {
    emailAddress: (email ?? email_address ?? "").trim(),
    notify,
    ...(expires_in_days ? { expiresInDays: Number(expires_in_days) } : {}),
    ...(redirect_url ? { redirectUrl: redirect_url } : {}),
    ...(Object.keys(metadata).length > 0 ? { publicMetadata: metadata } : {})
  }
}

const sample = () =>
  Readable.from(
    ["email,team", ...Array.from({ length: 1_000 }, (_, i) => `person${i}@example.com,${i % 2 === 0 ? "red" : "blue"}`)]
      .join("\n")
  )

/** The rows of the CSV, parsed as a stream: the file is never held in memory whole. */
const rows: Stream.Stream<CreateParams, Error> = Stream.fromAsyncIterable(
  (file === undefined ? sample() : createReadStream(file)).pipe(parse({ columns: true, skip_empty_lines: true, trim: true })),
  (cause) => new Error(`Cannot read ${file ?? "the sample"}: ${String(cause)}`)
).pipe(Stream.map((row: Row) => toParams(row)))

const run = (limits: Importer.Limits) =>
  Effect.gen(function*() {
    const bar = new SingleBar({
      format: "{bar} {value} done, {remaining} to go | {invited} invited, {rate}/h {wait}",
      hideCursor: true
    })
    bar.start(1, 0, { remaining: "?", invited: 0, rate: 0, wait: "" })
    const counts = yield* Importer.invite(rows, {
      limits,
      onProgress: (p) =>
        Effect.sync(() => {
          bar.setTotal(Math.max(1, p.done + p.remaining))
          bar.update(p.done, {
            remaining: p.inputDone ? p.remaining : `${p.remaining}+`,
            invited: p.invited,
            rate: Math.round(p.ratePerHour),
            wait: Option.match(p.waitingUntil, {
              onNone: () => "",
              onSome: (until) => `| quota used up, waiting until ${DateTime.formatIso(until).slice(11, 19)}`
            })
          })
        })
    }).pipe(Importer.summarize, Effect.ensuring(Effect.sync(() => bar.stop())))
    yield* Console.log(Object.entries(counts).map(([tag, n]) => `${tag}: ${n}`).join(", "))
  })

const viaClerk = run({}).pipe(
  Effect.provide(Invitations.layer.pipe(Layer.provide(ClerkClient.layerConfig({ timeout: Config.succeed("transport"), redirects: Config.succeed("transport") })), Layer.provide(UndiciHttpClient.layerWith({ timeout: "30 seconds" }))))
)

const squeezed = { create: 100, bulk: 25, window: "10 seconds" } as const
const viaEmulator = Effect.gen(function*() {
  yield* Console.log("No CLERK_SECRET_KEY: importing into the emulator, Clerk's quotas squeezed into 10 s windows.")
  yield* run(squeezed)
}).pipe(
  Effect.provide(Invitations.layer.pipe(
    Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(ClerkEmulator.defaultSecretKey) })),
    Layer.provide(ClerkEmulator.layer({ rateLimits: squeezed }))
  ))
)

NodeRuntime.runMain(
  Effect.flatMap(Config.option(Config.redacted("CLERK_SECRET_KEY")), (key) => Option.isSome(key) ? viaClerk : viaEmulator)
)
