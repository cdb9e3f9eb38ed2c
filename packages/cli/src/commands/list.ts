/**
 * `effect-clerk list`: one page of invitations, or every page with `--all` (streamed: NDJSON, CSV
 * and plain lines are printed page by page, so memory does not grow with the instance).
 */
import { Invitation, Invitations } from "@effect-clerk/invitations"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import * as Clerk from "../internal/clerk.js"
import { subcommand } from "../internal/command.js"
import { usage } from "../internal/exit.js"
import * as Globals from "../internal/globals.js"
import * as Output from "../internal/output.js"

// One definition of each literal: the library's schemas.
const statuses = Invitation.InvitationStatus.literals
const orders = Invitation.OrderBy.literals

const config = {
  ...Globals.options,
  status: Options.choice("status", statuses).pipe(
    Options.withDescription("only invitations with this status (repeatable); revoked ones only when asked"),
    Options.repeated
  ),
  query: Options.text("query").pipe(Options.withDescription("match the email address or id"), Options.optional),
  orderBy: Options.choice("order-by", orders).pipe(
    Options.withDescription("sort field, - for descending (Clerk's default: -created_at)"),
    Options.optional
  ),
  limit: Options.integer("limit").pipe(
    Options.withDescription("invitations per page, 1 to 500 (Clerk's default: 10; with --all, the page size, default 100)"),
    Options.optional
  ),
  offset: Options.integer("offset").pipe(Options.withDescription("invitations to skip (not with --all)"), Options.optional),
  all: Options.boolean("all").pipe(Options.withDescription("every page, streamed")),
  ndjson: Options.boolean("ndjson").pipe(Options.withDescription("one JSON invitation per line")),
  csv: Options.boolean("csv").pipe(Options.withDescription("CSV with a header row"))
}

type Config = Command.Command.ParseConfig<typeof config>

const handler = (options: Config) =>
  Effect.gen(function*() {
    const globals = yield* Globals.Globals
    const fmt = yield* Output.format(globals, options)
    const invitations = yield* Invitations.Invitations
    const filters = {
      ...(options.status.length > 0 ? { status: options.status } : {}),
      ...Option.match(options.query, { onNone: () => ({}), onSome: (query) => ({ query }) }),
      ...Option.match(options.orderBy, { onNone: () => ({}), onSome: (orderBy) => ({ orderBy }) })
    }
    const out = yield* Output.sink(fmt, globals.color)
    if (options.all) {
      if (Option.isSome(options.offset)) return yield* usage("--offset does not go with --all, which reads every page")
      const pageSize = Option.match(options.limit, { onNone: () => ({}), onSome: (pageSize) => ({ pageSize }) })
      const count = yield* invitations.stream({ ...filters, ...pageSize }).pipe(
        Stream.mapChunksEffect((chunk) => Effect.as(out.write(Array.from(chunk)), chunk)),
        Stream.runCount
      )
      yield* out.end({ total_count: count })
      if (!globals.json && fmt === "table") yield* Console.error(`${count} invitation${count === 1 ? "" : "s"}`)
      return
    }
    const page = yield* invitations.list({
      ...filters,
      ...Option.match(options.limit, { onNone: () => ({}), onSome: (limit) => ({ limit }) }),
      ...Option.match(options.offset, { onNone: () => ({}), onSome: (offset) => ({ offset }) })
    })
    yield* out.write(page.data)
    yield* out.end({ total_count: page.totalCount })
    if (!globals.json && fmt === "table") {
      const from = Option.getOrElse(options.offset, () => 0)
      yield* Console.error(
        page.data.length === 0
          ? `no invitations (${page.totalCount} in all)`
          : `${from + 1}–${from + page.data.length} of ${page.totalCount}`
      )
    }
  })

/**
 * The `list` subcommand.
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("list", config, handler).pipe(
  Command.withDescription("List invitations: a table on a terminal, or --json, --ndjson, --csv for pipes."),
  Command.provide(Clerk.layer),
  subcommand
)
