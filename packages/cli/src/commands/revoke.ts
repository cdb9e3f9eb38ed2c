/**
 * `effect-clerk revoke`: revokes invitations named by id (arguments, or `--stdin`: one id per line,
 * or NDJSON lines with an `"id"`, as `list --ndjson` prints them), or every invitation matching a
 * filter (`--status`, `--query`), after a count and a confirmation unless `--yes`. `--dry-run`
 * shows what would be revoked and sends no revoke.
 *
 * Ids are checked before anything is sent. An invitation already revoked is reported and not
 * counted as a failure (running the same revoke twice ends the same way). An error that every
 * later call would meet as well (refused key, rate limit, network) stops the command.
 */
import { Invitation, Invitations } from "@effect-clerk/invitations"
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Terminal from "@effect/platform/Terminal"
import * as Chunk from "effect/Chunk"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Clerk from "../internal/clerk.js"
import { subcommand } from "../internal/command.js"
import type { LibraryError } from "../internal/errors.js"
import * as Errors from "../internal/errors.js"
import type { Exit } from "../internal/exit.js"
import { partial, usage } from "../internal/exit.js"
import * as Globals from "../internal/globals.js"
import * as Output from "../internal/output.js"
import { Stdin } from "../internal/stdin.js"

const config = {
  ...Globals.options,
  ids: Args.text({ name: "id" }).pipe(Args.withDescription("invitation ids (inv_…)"), Args.repeated),
  stdin: Options.boolean("stdin").pipe(
    Options.withDescription("read ids from standard input: one per line, or NDJSON lines with an \"id\" (list --ndjson)")
  ),
  status: Options.choice("status", Invitation.InvitationStatus.literals).pipe(
    Options.withDescription("revoke every invitation with this status (repeatable)"),
    Options.repeated
  ),
  query: Options.text("query").pipe(
    Options.withDescription("revoke every invitation whose email or id matches"),
    Options.optional
  ),
  yes: Options.boolean("yes").pipe(Options.withDescription("revoke what a filter matches without asking")),
  dryRun: Options.boolean("dry-run").pipe(Options.withDescription("show what would be revoked; revoke nothing")),
  ndjson: Options.boolean("ndjson").pipe(Options.withDescription("one JSON invitation per line")),
  csv: Options.boolean("csv").pipe(Options.withDescription("CSV with a header row"))
}

type Config = Command.Command.ParseConfig<typeof config>

const isRevokeId = Schema.is(Invitation.RevokeId)
const IdLine = Schema.parseJson(Schema.Struct({ id: Schema.String }))
const decodeIdLine = Schema.decodeUnknownEither(IdLine)

/**
 * The id on one line of `--stdin`: the trimmed line, or the `"id"` of a JSON object; `None` for a
 * blank line; a usage error naming the line otherwise.
 */
export const idFromLine = (line: string, lineNumber: number): Either.Either<Option.Option<string>, Exit> => {
  const text = line.trim()
  if (text.length === 0) return Either.right(Option.none())
  if (text.startsWith("{")) {
    return Either.match(decodeIdLine(text), {
      onLeft: () => Either.left(usage(`standard input line ${lineNumber}: a JSON line needs a string "id"`)),
      onRight: ({ id }) => Either.right(Option.some(id))
    })
  }
  return Either.right(Option.some(text))
}

const readIds = Effect.gen(function*() {
  const lines = yield* Stdin
  const ids: Array<string> = []
  let lineNumber = 0
  yield* lines.pipe(
    Stream.runForEach((line) => {
      lineNumber += 1
      return Either.match(idFromLine(line, lineNumber), {
        onLeft: (exit) => Effect.fail(exit),
        onRight: (id) => Effect.sync(() => Option.map(id, (value) => ids.push(value)))
      })
    })
  )
  return ids
})

// Errors that every later call would meet as well: the command stops on them.
const stopsEverything = (error: LibraryError) =>
  error._tag === "Unauthorized" || error._tag === "RateLimited" || error._tag === "ClerkRequestError"

const confirm = (question: string) =>
  Effect.gen(function*() {
    const terminal = yield* Terminal.Terminal
    yield* Console.error(`${question} [y/N]`)
    const answer = yield* terminal.readLine.pipe(Effect.orElseSucceed(() => ""))
    return /^\s*y(es)?\s*$/i.test(answer)
  })

const handler = (options: Config) =>
  Effect.gen(function*() {
    const globals = yield* Globals.Globals
    const fmt = yield* Output.format(globals, options)
    const filtered = options.status.length > 0 || Option.isSome(options.query)
    const named = options.ids.length > 0 || options.stdin
    if (filtered && named) return yield* usage("give ids (arguments or --stdin) or a filter (--status, --query), not both")
    if (!filtered && !named) {
      return yield* usage("say what to revoke: ids, --stdin, or a filter such as --status pending --query @old-domain.com")
    }
    const invitations = yield* Invitations.Invitations
    const out = yield* Output.sink(fmt, globals.color)

    let ids: ReadonlyArray<string>
    if (named) {
      const fromStdin = options.stdin ? yield* readIds : []
      ids = Array.from(new Set([...options.ids, ...fromStdin]))
      const bad = ids.filter((id) => !isRevokeId(id))
      if (bad.length > 0) {
        return yield* usage(`not an invitation id: ${bad.slice(0, 5).map((b) => JSON.stringify(b)).join(", ")}${bad.length > 5 ? ` and ${bad.length - 5} more` : ""}; nothing was revoked`)
      }
      if (options.dryRun) {
        if (globals.json) yield* Console.log(JSON.stringify({ dry_run: true, would_revoke: ids }, null, 2))
        else yield* Effect.forEach(ids, (id) => Console.log(id), { discard: true })
        if (!globals.json) yield* Console.error(`dry run: ${ids.length} invitation${ids.length === 1 ? "" : "s"} would be revoked`)
        return
      }
    } else {
      // Every match is read before the first revoke: revoked invitations leave the default listing,
      // so revoking while paging by offset would skip some.
      const matches = Chunk.toReadonlyArray(
        yield* invitations.stream({
          ...(options.status.length > 0 ? { status: options.status } : {}),
          ...Option.match(options.query, { onNone: () => ({}), onSome: (query) => ({ query }) }),
          pageSize: 500
        }).pipe(Stream.runCollect)
      )
      const what = [
        options.status.length > 0 ? `status ${options.status.join(" or ")}` : "",
        Option.match(options.query, { onNone: () => "", onSome: (q) => `matching ${JSON.stringify(q)}` })
      ].filter((s) => s.length > 0).join(", ")
      if (options.dryRun) {
        yield* out.write(matches)
        yield* out.end({ dry_run: true })
        if (!globals.json) yield* Console.error(`dry run: ${matches.length} invitation${matches.length === 1 ? "" : "s"} (${what}) would be revoked`)
        return
      }
      if (matches.length === 0) {
        yield* out.end({ failed: [] })
        if (!globals.json) yield* Console.error(`no invitation matches (${what}): nothing to revoke`)
        return
      }
      if (!options.yes) {
        if (!globals.tty.stdin) {
          return yield* usage(`${matches.length} invitations match (${what}): pass --yes to revoke them, or --dry-run to see them`)
        }
        const go = yield* confirm(`Revoke ${matches.length} invitation${matches.length === 1 ? "" : "s"} (${what})?`)
        if (!go) return yield* partial("nothing was revoked")
      }
      ids = matches.map((invitation) => invitation.id)
    }

    const failed: Array<{ readonly id: string; readonly error: LibraryError | undefined }> = []
    const already: Array<string> = []
    let revoked = 0
    let stopped: LibraryError | undefined
    for (const id of ids) {
      if (stopped !== undefined) {
        failed.push({ id, error: undefined })
        continue
      }
      const result = yield* Effect.either(invitations.revoke(id))
      if (Either.isRight(result)) {
        revoked += 1
        yield* out.write([result.right])
        continue
      }
      const error = result.left
      if (error._tag === "InvitationNotRevocable" && error.reason === "AlreadyRevoked") {
        already.push(id)
        if (!globals.json) yield* Console.error(`${id}: already revoked`)
        continue
      }
      failed.push({ id, error })
      if (!globals.json) yield* Console.error(`error: ${id}: ${Errors.message(error)}`)
      if (stopsEverything(error)) stopped = error
    }
    if (!globals.json && stopped !== undefined && failed.length > 1) {
      yield* Console.error(`error: ${failed.length - 1} more not sent: the command stopped`)
    }
    yield* out.end({
      already_revoked: already,
      failed: failed.map(({ error, id }) => ({ id, error: error === undefined ? { message: "not sent" } : Errors.toJson(error) }))
    })
    if (failed.length > 0) {
      const reason = stopped === undefined ? "" : `; stopped: ${Errors.message(stopped)}`
      return yield* partial(`${revoked} of ${ids.length} invitations revoked, ${failed.length} not${reason}`)
    }
    if (!globals.json) {
      yield* Console.error(`${revoked} of ${ids.length} invitations revoked${already.length > 0 ? `, ${already.length} already were` : ""}`)
    }
  })

/**
 * The `revoke` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("revoke", config, handler).pipe(
  Command.withDescription(
    "Revoke invitations by id (arguments or --stdin), or all that match --status/--query after a confirmation."
  ),
  Command.provide(Clerk.layer),
  subcommand
)
