/**
 * `effect-clerk import <file|->`: invites every address of a CSV or NDJSON file at Clerk's pace,
 * with a run journal on disk so that a re-run over the same input resumes (nobody is invited
 * twice), a report of the rows that were not invited, a dry run that spends no quota, progress on
 * stderr and a graceful Ctrl-C.
 *
 * @since 0.1.0
 */
import * as Args from "@effect/cli/Args"
import * as Command from "@effect/cli/Command"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import { Invitations } from "@effect-clerk/invitations"
import * as Clock from "effect/Clock"
import * as Console from "effect/Console"
import * as Deferred from "effect/Deferred"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeFs from "node:fs"
import * as NodeStream from "node:stream/promises"
import * as Engine from "../internal/import/engine.js"
import * as Journal from "../internal/import/journal.js"
import * as Progress from "../internal/import/progress.js"
import * as Quotas from "../internal/import/quotas.js"
import * as Report from "../internal/import/report.js"
import * as Rows from "../internal/import/rows.js"
import * as Stop from "../internal/import/stop.js"
import * as Exit from "../internal/exit.js"
import * as Clerk from "../internal/clerk.js"
import { subcommand } from "../internal/command.js"
import { Globals, options as globalOptions } from "../internal/globals.js"

/** The default place of run journals, relative to the working directory. */
const defaultRunsDir = ".effect-clerk/imports"

/** Clerk's published limits, as `--quotas` writes them. */
const defaultQuotas = "create=100,bulk=25,window=1h"

const config = {
  ...globalOptions,
  file: Args.text({ name: "file" }).pipe(
    Args.withDescription("the CSV or NDJSON file to import, or - for stdin"),
    Args.optional
  ),
  dryRun: Options.boolean("dry-run").pipe(
    Options.withDescription("validate every row and check the instance (no quota spent): what would be invited, skipped and why, and how long it takes")
  ),
  newRun: Options.boolean("new-run").pipe(Options.withDescription("start a new run even if one exists for this input")),
  runs: Options.boolean("runs").pipe(Options.withDescription("list the runs in the runs directory and their counts")),
  runsDir: Options.text("runs-dir").pipe(
    Options.withDescription("where run journals live"),
    Options.withDefault(defaultRunsDir)
  ),
  report: Options.file("report").pipe(
    Options.withDescription("write every row that was not invited here (.csv, or .ndjson / .jsonl)"),
    Options.optional
  ),
  format: Options.choice("format", ["csv", "ndjson"]).pipe(
    Options.withDescription("the input format (default: by extension, .ndjson / .jsonl are NDJSON, anything else CSV)"),
    Options.optional
  ),
  emailColumn: Options.text("email-column").pipe(
    Options.withDescription("the column with the addresses (default: email or email_address)"),
    Options.optional
  ),
  metadataColumns: Options.text("metadata-columns").pipe(
    Options.withDescription("comma-separated columns to copy into public_metadata (default: every other column)"),
    Options.optional
  ),
  quotas: Options.text("quotas").pipe(
    Options.withDescription("the quotas to pace to: create=N,bulk=N,window=1h (Clerk's published limits by default)"),
    Options.withDefault(defaultQuotas)
  ),
  redirectUrl: Options.text("redirect-url").pipe(
    Options.withDescription("redirect URL for rows without a redirect_url column value"),
    Options.optional
  ),
  expiresInDays: Options.integer("expires-in-days").pipe(
    Options.withDescription("days until invitations expire (1..365) for rows without an expires_in_days value"),
    Options.optional
  ),
  // Two flags, not one with a negation: a boolean option of @effect/cli reads false when absent,
  // and absent must mean Clerk's default (send the email).
  notify: Options.boolean("notify").pipe(Options.withDescription("send the invitation emails (Clerk's default)")),
  noNotify: Options.boolean("no-notify").pipe(Options.withDescription("do not send the invitation emails")),
  ignoreExisting: Options.boolean("ignore-existing").pipe(
    Options.withDescription("invite even where an invitation is already pending")
  ),
  template: Options.choice("template", ["invitation", "waitlist_invitation"]).pipe(
    Options.withDescription("the email template"),
    Options.optional
  )
}

type Config = Command.Command.ParseConfig<typeof config>

const n = (value: number) => value.toLocaleString("en-US")

const labels: ReadonlyArray<readonly [Journal.Outcome, string]> = [
  ["Invited", "invited"],
  ["AlreadyInvited", "already invited"],
  ["UserExists", "user exists"],
  ["DuplicateInput", "duplicates in the input"],
  ["Invalid", "invalid"],
  ["Failed", "failed"],
  ["Empty", "empty lines"]
]

const table = (counts: Record<Journal.Outcome, number>) =>
  labels.map(([key, label]) => `  ${label.padEnd(24)}${n(counts[key]).padStart(9)}`).join("\n")

/** The command that resumes a run, for the summary and the interrupt message. */
const resumeCommand = (options: Config) =>
  [
    ...(Option.getOrUndefined(options.file) === "-" ? ["<same input> |"] : []),
    "effect-clerk import",
    // options first: `@effect/cli` reads nothing after a `-` argument
    ...(options.runsDir !== defaultRunsDir ? [`--runs-dir ${options.runsDir}`] : []),
    ...Option.match(options.report, { onNone: () => [], onSome: (report) => [`--report ${report}`] }),
    ...(options.quotas !== defaultQuotas ? [`--quotas ${options.quotas}`] : []),
    ...Option.match(options.format, { onNone: () => [], onSome: (format) => [`--format ${format}`] }),
    ...Option.match(options.emailColumn, { onNone: () => [], onSome: (column) => [`--email-column ${column}`] }),
    ...Option.match(options.metadataColumns, { onNone: () => [], onSome: (columns) => [`--metadata-columns ${columns}`] }),
    ...Option.match(options.redirectUrl, { onNone: () => [], onSome: (url) => [`--redirect-url ${url}`] }),
    ...Option.match(options.expiresInDays, { onNone: () => [], onSome: (days) => [`--expires-in-days ${days}`] }),
    ...(options.noNotify ? ["--no-notify"] : options.notify ? ["--notify"] : []),
    ...(options.ignoreExisting ? ["--ignore-existing"] : []),
    ...Option.match(options.template, { onNone: () => [], onSome: (template) => [`--template ${template}`] }),
    Option.getOrElse(options.file, () => "FILE")
  ].join(" ")

const resolveInput = (file: string, runsDir: string): Effect.Effect<string, Exit.Exit, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    if (file !== "-") {
      const exists = yield* fs.exists(file).pipe(Effect.orElseSucceed(() => false))
      if (!exists) return yield* Exit.usage(`no such file: ${file}`)
      return file
    }
    // stdin: spooled to a file (hashed and read like one), removed at the end.
    yield* fs.makeDirectory(runsDir, { recursive: true }).pipe(
      Effect.mapError((error) => Exit.usage(`cannot create ${runsDir}: ${error.message}`))
    )
    const spool = path.join(runsDir, `.stdin-${process.pid}-${Date.now()}.tmp`)
    yield* Effect.acquireRelease(
      Effect.tryPromise({
        try: () => NodeStream.pipeline(process.stdin, NodeFs.createWriteStream(spool)),
        catch: (error) => Exit.usage(`cannot read stdin: ${String(error)}`)
      }),
      () => fs.remove(spool).pipe(Effect.ignore)
    )
    return spool
  })

const rowOptions = (options: Config, path: string): Either.Either<Rows.Options, Exit.Exit> => {
  const metadataColumns = Option.map(options.metadataColumns, (text) => text.split(",").map((s) => s.trim()).filter((s) => s.length > 0))
  if (options.notify && options.noNotify) return Either.left(Exit.usage("--notify and --no-notify: choose one"))
  const expiresInDays = Option.getOrUndefined(options.expiresInDays)
  if (expiresInDays !== undefined && (expiresInDays < 1 || expiresInDays > 365)) {
    return Either.left(Exit.usage(`--expires-in-days ${expiresInDays}: must be between 1 and 365`))
  }
  return Either.right({
    format: Option.getOrElse(options.format, () => Rows.formatOf(path === "-" ? "" : path)),
    emailColumn: Option.getOrUndefined(options.emailColumn),
    metadataColumns: Option.getOrUndefined(metadataColumns),
    defaults: {
      redirectUrl: Option.getOrUndefined(options.redirectUrl),
      expiresInDays,
      notify: options.noNotify ? false : options.notify ? true : undefined,
      ignoreExisting: options.ignoreExisting ? true : undefined,
      templateSlug: Option.getOrUndefined(options.template)
    }
  })
}

const inputError = (error: Rows.InputError) => Exit.usage(error.message)

/** `--runs`: the runs and their counts. */
const listRuns = (options: Config) =>
  Effect.gen(function*() {
    const globals = yield* Globals
    const runs = yield* Journal.listRuns(options.runsDir)
    const rows = yield* Effect.forEach(runs, (run) =>
      Effect.map(Journal.tally(run.outcomesFile), (tally) => ({ run, tally })))
    if (globals.json) {
      return yield* Console.log(JSON.stringify(rows.map(({ run, tally }) => ({
        run_id: run.id,
        input: run.info.input,
        sha256: run.info.sha256,
        started_at: new Date(run.info.started_at).toISOString(),
        counts: tally.counts
      }))))
    }
    if (rows.length === 0) return yield* Console.error(`No runs in ${options.runsDir}`)
    const header = `${"RUN".padEnd(30)}${"STARTED".padEnd(22)}${"INVITED".padStart(9)}${"SKIPPED".padStart(9)}${"INVALID".padStart(9)}${"FAILED".padStart(9)}  INPUT`
    const lines = rows.map(({ run, tally }) => {
      const c = tally.counts
      const skipped = c.AlreadyInvited + c.UserExists + c.DuplicateInput + c.Empty
      return `${run.id.padEnd(30)}${new Date(run.info.started_at).toISOString().slice(0, 19).padEnd(22)}${n(c.Invited).padStart(9)}` +
        `${n(skipped).padStart(9)}${n(c.Invalid).padStart(9)}${n(c.Failed).padStart(9)}  ${run.info.input}`
    })
    yield* Console.log([header, ...lines].join("\n"))
  })

/** `--dry-run`: classify every row against the instance's pending and accepted invitations. */
const dryRun = (options: Config, input: string, display: string, rowsOptions: Rows.Options, quotas: Quotas.Quotas) =>
  Effect.gen(function*() {
    const globals = yield* Globals
    const invitations = yield* Invitations.Invitations
    const existing = new Map<string, "pending" | "accepted">()
    yield* invitations.stream({ status: ["pending", "accepted"], pageSize: 500 }).pipe(
      Stream.runForEach((invitation) =>
        Effect.sync(() => {
          const key = invitation.emailAddress.toLowerCase()
          if (existing.get(key) !== "accepted") existing.set(key, invitation.status === "accepted" ? "accepted" : "pending")
        })
      )
    )
    const seen = Engine.dedupe()
    const counts: Record<Journal.Outcome, number> = { Invited: 0, AlreadyInvited: 0, UserExists: 0, DuplicateInput: 0, Invalid: 0, Failed: 0, Empty: 0 }
    const skipped: Array<Journal.Entry> = []
    const toInvite: Array<string> = []
    yield* Rows.rows(input, rowsOptions).pipe(
      Stream.mapError(inputError),
      Stream.runForEach((row) =>
        Effect.sync(() => {
          const settled = Engine.settle(row, seen, 0)
          let entry: Journal.Entry | undefined = Option.getOrUndefined(settled)
          if (entry === undefined && row._tag === "Params") {
            const status = existing.get(row.emailAddress.toLowerCase())
            if (status === "accepted") {
              entry = { line: row.line, email: row.emailAddress, outcome: "UserExists", reason: Engine.reasons.UserExists, at: 0 }
            } else if (status === "pending" && row.params.ignoreExisting !== true) {
              entry = { line: row.line, email: row.emailAddress, outcome: "AlreadyInvited", reason: Engine.reasons.AlreadyInvited, at: 0 }
            } else {
              counts.Invited++
              if (globals.verbose) toInvite.push(row.emailAddress)
              return
            }
          }
          if (entry === undefined) return
          counts[entry.outcome]++
          skipped.push(entry)
        })
      )
    )
    const time = Quotas.describe(Quotas.duration(counts.Invited, quotas))
    const pace = `${n(quotas.create)} creates + ${n(quotas.bulk)} bulk calls per ${Duration.format(quotas.window)}, ${n(Quotas.perWindow(quotas))} invitations per window`
    if (Option.isSome(options.report)) yield* Report.write(options.report.value, skipped)
    if (globals.json) {
      return yield* Console.log(JSON.stringify({
        dry_run: true,
        input: display,
        would_invite: counts.Invited,
        would_skip: {
          already_invited: counts.AlreadyInvited,
          user_exists: counts.UserExists,
          duplicate_input: counts.DuplicateInput,
          invalid: counts.Invalid,
          empty: counts.Empty
        },
        skipped: skipped.map(({ at: _at, ...entry }) => entry),
        estimate: { duration_ms: Duration.toMillis(Quotas.duration(counts.Invited, quotas)), words: time, quotas: pace },
        ...(globals.verbose ? { to_invite: toInvite } : {})
      }))
    }
    yield* Console.log([
      `Dry run of ${display}: nothing was sent.`,
      `  ${"would invite".padEnd(24)}${n(counts.Invited).padStart(9)}`,
      ...labels.filter(([key]) => key !== "Invited" && key !== "Failed").map(([key, label]) =>
        `  ${("skip: " + label).padEnd(24)}${n(counts[key]).padStart(9)}`),
      `Time at ${pace}: ${time}.`,
      ...(skipped.length > 0 ? ["Rows that would not be invited:"] : []),
      ...skipped.map((entry) => `  line ${entry.line}: ${entry.email || "(no address)"}: ${entry.outcome}: ${entry.reason ?? ""}`),
      ...(globals.verbose ? ["Would invite:", ...toInvite.map((email) => `  ${email}`)] : [])
    ].join("\n"))
  })

/** The import proper, in its own scope (journal, lock, input), stopping on `stop`. */
const importRun = (
  options: Config,
  input: string,
  display: string,
  rowsOptions: Rows.Options,
  quotas: Quotas.Quotas,
  stop: Deferred.Deferred<void>
) =>
  Effect.gen(function*() {
    const globals = yield* Globals
    const { lines, sha256 } = yield* Journal.hashFile(input)
    const runs = yield* Journal.listRuns(options.runsDir)
    const previous = options.newRun ? undefined : runs.filter((run) => run.info.sha256 === sha256).at(-1)
    const now = yield* Clock.currentTimeMillis
    const run = previous ?? (yield* Journal.createRun(options.runsDir, {
      input: display,
      sha256,
      started_at: now,
      parameters: {
        format: rowsOptions.format,
        email_column: rowsOptions.emailColumn ?? null,
        metadata_columns: rowsOptions.metadataColumns ?? null,
        defaults: rowsOptions.defaults,
        quotas: { create: quotas.create, bulk: quotas.bulk, window_ms: Duration.toMillis(quotas.window) }
      }
    }))
    yield* Journal.lock(run)
    const before = yield* Journal.tally(run.outcomesFile)
    if (previous !== undefined) {
      yield* Console.error(`Resuming run ${run.id}: ${n(before.finals.size)} rows already done (--new-run starts afresh).`)
    } else {
      yield* Console.error(`Run ${run.id} (journal in ${run.dir}).`)
    }
    const journal = yield* Journal.writer(run)
    const progress = globals.color && process.stderr.isTTY === true ? Progress.bar(process.stderr) : Progress.lines()
    const result = yield* Engine.run({
      rows: Stream.mapError(Rows.rows(input, rowsOptions), inputError),
      finals: before.finals,
      before: { done: before.finals.size, invited: before.counts.Invited },
      total: Math.max(0, lines - (rowsOptions.format === "csv" ? 1 : 0)),
      journal,
      quotas,
      stop,
      display: progress
    }).pipe(Effect.ensuring(progress.end))
    const after = yield* Journal.tally(run.outcomesFile)
    if (Option.isSome(options.report)) yield* Report.write(options.report.value, after.notInvited)
    const c = after.counts
    const resume = resumeCommand(options)
    if (globals.json) {
      yield* Console.log(JSON.stringify({
        run_id: run.id,
        input: display,
        journal: run.dir,
        complete: !result.interrupted,
        counts: c,
        this_process: result.session,
        not_invited: after.notInvited.length,
        ...(Option.isSome(options.report) ? { report: options.report.value } : {}),
        ...(result.interrupted ? { resume } : {})
      }))
    } else {
      yield* Console.log([
        `Import of ${display} (run ${run.id})${result.interrupted ? ": stopped before the end" : ""}`,
        table(c),
        ...(Option.isSome(options.report)
          ? [`Report of the ${n(after.notInvited.length)} rows not invited: ${options.report.value}`]
          : after.notInvited.length > 0
          ? [`${n(after.notInvited.length)} rows were not invited; --report FILE lists them with the reason.`]
          : [])
      ].join("\n"))
    }
    if (Option.isSome(result.stopped)) {
      return yield* Exit.partial(`${result.stopped.value.message} Resume with: ${resume}`)
    }
    if (result.interrupted) return yield* Exit.interrupted(`Interrupted. Resume with: ${resume}`)
    if (c.Failed + c.Invalid > 0) {
      return yield* Exit.partial(
        `${n(c.Failed)} failed and ${n(c.Invalid)} invalid rows were not invited` +
          (c.Failed > 0 ? `; run the same command again to retry the failed ones: ${resume}` : "")
      )
    }
  }).pipe(Effect.scoped)

// `--runs` only reads the journals on disk: it needs no key. Everything else talks to Clerk through
// the Invitations service the caller provides (a test, a program embedding the command), else one
// built from the global options, as the other commands do.
const handler = (options: Config) =>
  options.runs ? listRuns(options) : Effect.flatMap(Effect.serviceOption(Invitations.Invitations), Option.match({
    onNone: () => Effect.provide(importFile(options), Clerk.layer),
    onSome: (service) => Effect.provideService(importFile(options), Invitations.Invitations, service)
  })).pipe(Effect.catchTag("InputError", (error) => Effect.fail(inputError(error))))

const importFile = (options: Config) =>
  Effect.gen(function*() {
    if (Option.isNone(options.file)) return yield* Exit.usage("import needs a file (or - for stdin), or --runs")
    const quotas = Quotas.parse(options.quotas)
    if (Either.isLeft(quotas)) return yield* Exit.usage(quotas.left)
    const rowsOptions = rowOptions(options, options.file.value)
    if (Either.isLeft(rowsOptions)) return yield* rowsOptions.left
    const display = options.file.value === "-" ? "stdin" : options.file.value
    const input = yield* resolveInput(options.file.value, options.runsDir)
    if (options.dryRun) return yield* dryRun(options, input, display, rowsOptions.right, quotas.right)
    const stop = yield* Stop.request
    // The import runs on its own fiber: an interruption of this one (the runtime's own Ctrl-C
    // handling) becomes a graceful stop, and this fiber waits for it.
    const fiber = yield* Effect.forkDaemon(importRun(options, input, display, rowsOptions.right, quotas.right, stop))
    return yield* Fiber.join(fiber).pipe(
      Effect.onInterrupt(() =>
        Deferred.succeed(stop, undefined).pipe(
          Effect.zipRight(Fiber.await(fiber)),
          // This fiber ends interrupted: say here what the import's own end would have said.
          Effect.flatMap((exit) =>
            exit._tag === "Failure" && exit.cause._tag === "Fail" && exit.cause.error._tag === "Exit"
              ? Console.error(exit.cause.error.message)
              : Effect.void
          )
        )
      )
    )
  }).pipe(Effect.scoped)

/**
 * The `import` command: CSV or NDJSON in, invitations out at Clerk's pace, with a resumable run
 * journal, a report, a dry run and progress on stderr. Fails with `Exit` (1 some rows failed or
 * were invalid, 2 usage, 130 interrupted).
 *
 * @since 0.1.0
 * @category commands
 */
export const command = Command.make("import", config, handler).pipe(
  Command.withDescription(
    "Invite every address of a CSV (header row; email or email_address column) or NDJSON file at Clerk's pace. " +
      "A run journal makes a re-run over the same input resume; nobody is invited twice."
  ),
  subcommand
)
