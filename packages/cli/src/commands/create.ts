/**
 * `effect-clerk create <email...>`: invites one address with a single create, several through
 * bulk calls of up to ten. Every address is checked before anything is sent.
 *
 * A bulk call is all or none: when Clerk answers that some addresses of a batch have a pending
 * invitation (`DuplicateEmail`, which names them), those are reported as not invited and the rest
 * of the batch is sent again; when it answers that a user has one of them (which it does not
 * name), the batch's addresses are sent one by one.
 * An error that would hit every later call too (refused key, rate limit, network, invalid
 * parameters) stops the command, and the addresses not sent are reported as such.
 */
import { Invitation, Invitations } from "@effect-clerk/invitations"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Arr from "effect/Array"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Clerk from "../internal/clerk.js"
import { subcommand } from "../internal/command.js"
import type { LibraryError } from "../internal/errors.js"
import * as Errors from "../internal/errors.js"
import type { Exit } from "../internal/exit.js"
import { partial, usage } from "../internal/exit.js"
import * as Globals from "../internal/globals.js"
import * as Output from "../internal/output.js"

/** The most addresses one bulk call takes (Clerk's limit). */
export const bulkSize = 10

const config = {
  ...Globals.options,
  emails: Args.text({ name: "email" }).pipe(Args.withDescription("the addresses to invite"), Args.atLeast(1)),
  redirectUrl: Options.text("redirect-url").pipe(
    Options.withDescription("where the invitation link leads after it is clicked"),
    Options.optional
  ),
  expiresInDays: Options.integer("expires-in-days").pipe(
    Options.withDescription("days until the invitations expire, 1 to 365 (Clerk's default: 30)"),
    Options.optional
  ),
  metadata: Options.text("metadata").pipe(
    Options.withDescription("a public metadata entry key=value (repeatable; values are strings)"),
    Options.repeated
  ),
  metadataJson: Options.text("metadata-json").pipe(
    Options.withDescription("the public metadata as a JSON object"),
    Options.optional
  ),
  notify: Options.boolean("notify").pipe(Options.withDescription("send the invitation email (Clerk's default)")),
  noNotify: Options.boolean("no-notify").pipe(Options.withDescription("do not send the invitation email")),
  ignoreExisting: Options.boolean("ignore-existing").pipe(
    Options.withDescription("invite even if an invitation is already pending for an address")
  ),
  template: Options.choice("template", ["invitation", "waitlist_invitation"]).pipe(
    Options.withDescription("the email template"),
    Options.optional
  ),
  ndjson: Options.boolean("ndjson").pipe(Options.withDescription("one JSON invitation per line")),
  csv: Options.boolean("csv").pipe(Options.withDescription("CSV with a header row"))
}

type Config = Command.Command.ParseConfig<typeof config>

const JsonObject = Schema.parseJson(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
const decodeJsonObject = Schema.decodeUnknownEither(JsonObject)
const isEmail = Schema.is(Invitation.EmailAddress)

/** `--metadata key=value…` or `--metadata-json`, as the public metadata (exit 2 when malformed or both). */
export const parseMetadata = (
  pairs: ReadonlyArray<string>,
  json: Option.Option<string>
): Either.Either<Option.Option<Record<string, unknown>>, Exit> => {
  if (pairs.length > 0 && Option.isSome(json)) return Either.left(usage("use --metadata or --metadata-json, not both"))
  if (Option.isSome(json)) {
    return Either.match(decodeJsonObject(json.value), {
      onLeft: () => Either.left(usage("--metadata-json must be a JSON object, like '{\"plan\":\"pro\"}'")),
      onRight: (value) => Either.right(Option.some(value))
    })
  }
  if (pairs.length === 0) return Either.right(Option.none())
  const entries: Array<readonly [string, string]> = []
  for (const pair of pairs) {
    const at = pair.indexOf("=")
    if (at <= 0) return Either.left(usage(`--metadata takes key=value, got ${JSON.stringify(pair)}`))
    entries.push([pair.slice(0, at), pair.slice(at + 1)])
  }
  return Either.right(Option.some(Object.fromEntries(entries)))
}

/** An address that was not invited, and why. */
interface Failure {
  readonly emailAddress: string
  readonly error: LibraryError | undefined
}

const failureLine = (failure: Failure): string =>
  `error: ${failure.emailAddress}: ${
    failure.error === undefined ? "not sent: the command stopped before it" : Errors.message(failure.error)
  }`

// Errors that every later call would meet as well: the command stops on them.
const stopsEverything = (error: LibraryError) =>
  error._tag === "Unauthorized" || error._tag === "RateLimited" || error._tag === "ClerkRequestError" ||
  error._tag === "InvalidRequest"

const lower = (s: string) => s.toLowerCase()

const handler = (options: Config) =>
  Effect.gen(function*() {
    const globals = yield* Globals.Globals
    const fmt = yield* Output.format(globals, options)
    if (options.notify && options.noNotify) return yield* usage("use --notify or --no-notify, not both")
    const metadata = yield* parseMetadata(options.metadata, options.metadataJson)
    const bad = options.emails.filter((email) => !isEmail(email))
    if (bad.length > 0) {
      return yield* usage(`not an email address: ${bad.map((b) => JSON.stringify(b)).join(", ")}; nothing was sent`)
    }
    const emails = Arr.dedupeWith(options.emails, (a, b) => lower(a) === lower(b))
    const shared = {
      ...Option.match(options.redirectUrl, { onNone: () => ({}), onSome: (redirectUrl) => ({ redirectUrl }) }),
      ...Option.match(options.expiresInDays, { onNone: () => ({}), onSome: (expiresInDays) => ({ expiresInDays }) }),
      ...Option.match(metadata, { onNone: () => ({}), onSome: (publicMetadata) => ({ publicMetadata }) }),
      ...(options.notify ? { notify: true } : options.noNotify ? { notify: false } : {}),
      ...(options.ignoreExisting ? { ignoreExisting: true } : {}),
      ...Option.match(options.template, { onNone: () => ({}), onSome: (templateSlug) => ({ templateSlug }) })
    }
    const invitations = yield* Invitations.Invitations
    const params = (emailAddress: string): Invitation.CreateParams => ({ ...shared, emailAddress })

    // One address: a single create; its error is the command's.
    const [only] = emails
    if (only !== undefined && emails.length === 1) {
      const created = yield* invitations.create(params(only))
      const out = yield* Output.sink(fmt, globals.color)
      yield* out.write([created])
      yield* out.end({ failed: [] })
      return
    }

    const out = yield* Output.sink(fmt, globals.color)
    const failed: Array<Failure> = []
    let createdCount = 0
    let stopped: LibraryError | undefined
    for (const batch of Arr.chunksOf(emails, bulkSize)) {
      if (stopped !== undefined) {
        failed.push(...batch.map((emailAddress) => ({ emailAddress, error: undefined })))
        continue
      }
      // A batch shrinks by at least one address per DuplicateEmail, so this ends.
      let pending: ReadonlyArray<string> = batch
      while (pending.length > 0) {
        const result = yield* Effect.either(invitations.createBulk(pending.map(params)))
        if (Either.isRight(result)) {
          createdCount += result.right.length
          yield* out.write(result.right)
          break
        }
        const error = result.left
        if (error._tag === "DuplicateEmail" && error.reason === "UserExists" && pending.length > 1) {
          // Clerk does not say which addresses belong to users: each is sent alone to find out.
          for (const emailAddress of pending) {
            if (stopped !== undefined) {
              failed.push({ emailAddress, error: undefined })
              continue
            }
            const one = yield* Effect.either(invitations.create(params(emailAddress)))
            if (Either.isRight(one)) {
              createdCount += 1
              yield* out.write([one.right])
            } else {
              failed.push({ emailAddress, error: one.left })
              if (stopsEverything(one.left)) stopped = one.left
            }
          }
          break
        }
        if (error._tag === "DuplicateEmail") {
          const named = new Set(error.emailAddresses.map(lower))
          const taken = pending.filter((email) => named.has(lower(email)))
          // Clerk named none of this batch's addresses: nothing to send again without them.
          const dropped = taken.length > 0 ? taken : pending
          failed.push(...dropped.map((emailAddress) => ({ emailAddress, error })))
          pending = pending.filter((email) => !dropped.includes(email))
          continue
        }
        failed.push(...pending.map((emailAddress) => ({ emailAddress, error })))
        if (stopsEverything(error)) stopped = error
        break
      }
    }
    yield* out.end({
      failed: failed.map((f) => ({
        email_address: f.emailAddress,
        error: f.error === undefined ? { message: "not sent" } : Errors.toJson(f.error)
      }))
    })
    if (!globals.json) yield* Effect.forEach(failed, (f) => Console.error(failureLine(f)), { discard: true })
    if (stopped?._tag === "InvalidRequest") return yield* Effect.fail(Errors.toExit(stopped))
    if (failed.length > 0) {
      const reason = stopped === undefined ? "" : `; stopped: ${Errors.message(stopped)}`
      return yield* partial(`${createdCount} of ${emails.length} addresses invited, ${failed.length} not${reason}`)
    }
    if (!globals.json && fmt !== "table") yield* Console.error(`${createdCount} of ${emails.length} addresses invited`)
  })

/**
 * The `create` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("create", config, handler).pipe(
  Command.withDescription("Invite one or more email addresses (more than one through bulk calls of up to 10)."),
  Command.provide(Clerk.layer),
  subcommand
)
