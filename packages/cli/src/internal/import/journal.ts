/**
 * The run journal of an import: a directory per run under the runs directory, holding
 *
 * - `run.json`: the run's parameters and the sha256 of its input (never the secret key);
 * - `outcomes.ndjson`: an append-only log of every row's outcome, one JSON line each, written and
 *   synced before the outcome is reported anywhere;
 * - `lock`: the pid of the process working on the run, created exclusively, so a second process
 *   refuses to start on it (a lock left by a dead process is taken over).
 *
 * A run is found again by its input's hash, which is how a re-run over the same input resumes.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import * as NodeCrypto from "node:crypto"
import * as NodeFs from "node:fs"
import * as Readline from "node:readline"
import * as Exit from "../exit.js"

/** What happened to one row, as the journal and the report name it. */
export const Outcome = Schema.Literal(
  "Invited",
  "AlreadyInvited",
  "UserExists",
  "DuplicateInput",
  "Invalid",
  "Failed",
  "Empty"
)

/** What happened to one row. */
export type Outcome = typeof Outcome.Type

/** Outcomes a later run does not revisit: everything but `Failed`. */
export const isFinal = (outcome: Outcome): boolean => outcome !== "Failed"

/** One line of `outcomes.ndjson`. */
export const Entry = Schema.Struct({
  line: Schema.Number,
  email: Schema.String,
  outcome: Outcome,
  reason: Schema.optional(Schema.String),
  invitation_id: Schema.optional(Schema.String),
  trace_id: Schema.optional(Schema.String),
  at: Schema.Number
})

/** One row's outcome in the journal. */
export type Entry = typeof Entry.Type

/** The contents of `run.json`. */
export const RunInfo = Schema.Struct({
  run_id: Schema.String,
  input: Schema.String,
  sha256: Schema.String,
  started_at: Schema.Number,
  parameters: Schema.Record({ key: Schema.String, value: Schema.Unknown })
})

/** A run's parameters and input hash. */
export type RunInfo = typeof RunInfo.Type

const decodeEntry = Schema.decodeUnknownOption(Schema.parseJson(Entry))
const decodeRunInfo = Schema.decodeUnknownOption(Schema.parseJson(RunInfo))

const io = (what: string) => (error: { readonly message: string }) =>
  Exit.partial(`cannot ${what}: ${error.message}`)

/** The sha256 of a file's bytes, and how many lines it has (for the progress total). */
export const hashFile = (path: string): Effect.Effect<{ readonly sha256: string; readonly lines: number }, Exit.Exit> =>
  Effect.async((resume) => {
    const hash = NodeCrypto.createHash("sha256")
    let lines = 0
    let last = 10
    const input = NodeFs.createReadStream(path)
    input.on("data", (chunk) => {
      const bytes = typeof chunk === "string" ? Buffer.from(chunk) : chunk
      hash.update(bytes)
      for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) lines++
      if (bytes.length > 0) last = bytes[bytes.length - 1] ?? 10
    })
    input.on("error", (error) => resume(Effect.fail(Exit.usage(`cannot read ${path}: ${error.message}`))))
    input.on("end", () => resume(Effect.succeed({ sha256: hash.digest("hex"), lines: lines + (last === 10 ? 0 : 1) })))
    return Effect.sync(() => input.destroy())
  })

/** Reads a journal line by line, skipping what cannot be read (a line cut short by a crash). */
export const entries = (file: string): Stream.Stream<Entry> =>
  Stream.suspend(() => {
    if (!NodeFs.existsSync(file)) return Stream.empty
    const lines = Readline.createInterface({ input: NodeFs.createReadStream(file), crlfDelay: Infinity })
    return Stream.fromAsyncIterable(lines, (cause) => cause).pipe(
      Stream.orElse(() => Stream.empty),
      Stream.filterMap((line) => decodeEntry(line)),
      Stream.ensuring(Effect.sync(() => lines.close()))
    )
  })

/** Counts by outcome of a whole run (the last entry of each line wins), rows that were not invited. */
export interface Tally {
  readonly counts: Record<Outcome, number>
  /** The last entry of every row that was not invited, by line. */
  readonly notInvited: ReadonlyArray<Entry>
  /** Lines with a final outcome. */
  readonly finals: ReadonlySet<number>
}

/** Folds a journal into counts, finals and the rows not invited. */
export const tally = (file: string): Effect.Effect<Tally> =>
  Effect.map(
    Stream.runFold(entries(file), {
      last: new Map<number, Outcome>(),
      notInvited: new Map<number, Entry>()
    }, (acc, entry) => {
      acc.last.set(entry.line, entry.outcome)
      if (entry.outcome === "Invited") acc.notInvited.delete(entry.line)
      else acc.notInvited.set(entry.line, entry)
      return acc
    }),
    ({ last, notInvited }) => {
      const counts: Record<Outcome, number> = {
        Invited: 0,
        AlreadyInvited: 0,
        UserExists: 0,
        DuplicateInput: 0,
        Invalid: 0,
        Failed: 0,
        Empty: 0
      }
      const finals = new Set<number>()
      for (const [line, outcome] of last) {
        counts[outcome]++
        if (isFinal(outcome)) finals.add(line)
      }
      return {
        counts,
        notInvited: [...notInvited.values()].sort((a, b) => a.line - b.line),
        finals
      }
    }
  )

/** A run on disk. */
export interface Run {
  readonly id: string
  readonly dir: string
  readonly info: RunInfo
  readonly outcomesFile: string
}

/** The runs under `runsDir`, oldest first. */
export const listRuns = (runsDir: string): Effect.Effect<ReadonlyArray<Run>, Exit.Exit, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    if (!(yield* fs.exists(runsDir).pipe(Effect.mapError(io(`read ${runsDir}`))))) return []
    const names = yield* fs.readDirectory(runsDir).pipe(Effect.mapError(io(`read ${runsDir}`)))
    const runs: Array<Run> = []
    for (const name of names.sort()) {
      const dir = path.join(runsDir, name)
      const text = yield* fs.readFileString(path.join(dir, "run.json")).pipe(Effect.option)
      const info = Option.flatMap(text, decodeRunInfo)
      if (Option.isSome(info)) runs.push({ id: name, dir, info: info.value, outcomesFile: path.join(dir, "outcomes.ndjson") })
    }
    return runs.sort((a, b) => a.info.started_at - b.info.started_at || a.id.localeCompare(b.id))
  })

const stamp = (millis: number) => new Date(millis).toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15)

/** Creates a run's directory and `run.json`. */
export const createRun = (
  runsDir: string,
  info: Omit<RunInfo, "run_id">
): Effect.Effect<Run, Exit.Exit, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const base = `${stamp(info.started_at)}-${info.sha256.slice(0, 8)}`
    let id = base
    for (let n = 2; yield* fs.exists(path.join(runsDir, id)).pipe(Effect.orElseSucceed(() => false)); n++) id = `${base}-${n}`
    const dir = path.join(runsDir, id)
    yield* fs.makeDirectory(dir, { recursive: true }).pipe(Effect.mapError(io(`create ${dir}`)))
    const full: RunInfo = { run_id: id, ...info }
    yield* fs.writeFileString(path.join(dir, "run.json"), JSON.stringify(full, null, 2) + "\n").pipe(
      Effect.mapError(io(`write ${dir}/run.json`))
    )
    return { id, dir, info: full, outcomesFile: path.join(dir, "outcomes.ndjson") }
  })

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return typeof error === "object" && error !== null && "code" in error && error.code === "EPERM"
  }
}

/**
 * Takes the run's lock for this process until the scope closes; refuses (exit 2) when a live
 * process holds it, and takes over, with a line on stderr, a lock whose process is gone.
 */
export const lock = (run: Run): Effect.Effect<void, Exit.Exit, FileSystem.FileSystem | Path.Path | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const file = path.join(run.dir, "lock")
    const mine = String(process.pid)
    for (let attempt = 0; attempt < 3; attempt++) {
      const created = yield* Effect.scoped(
        Effect.flatMap(fs.open(file, { flag: "wx" }), (handle) => handle.writeAll(new TextEncoder().encode(mine)))
      ).pipe(Effect.either)
      if (created._tag === "Right") {
        yield* Effect.addFinalizer(() =>
          fs.readFileString(file).pipe(
            Effect.flatMap((held) => (held.trim() === mine ? fs.remove(file) : Effect.void)),
            Effect.ignore
          )
        )
        return
      }
      if (created.left._tag !== "SystemError" || created.left.reason !== "AlreadyExists") {
        return yield* io(`create the lock ${file}`)(created.left)
      }
      const held = (yield* fs.readFileString(file).pipe(Effect.orElseSucceed(() => ""))).trim()
      const pid = Number(held)
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        return yield* Exit.usage(
          `run ${run.id} is in use by process ${pid} (lock ${file}); wait for it to finish, or delete the lock if that process is gone`
        )
      }
      yield* Console.error(`Taking over run ${run.id}: its lock was held by process ${held || "?"}, which is gone.`)
      yield* fs.remove(file).pipe(Effect.ignore)
    }
    return yield* Exit.usage(`cannot take the lock ${file}: another process keeps taking it`)
  })

/** Appends entries to a run's journal; `flush` writes them and syncs the file before returning. */
export interface Writer {
  readonly append: (entries: ReadonlyArray<Entry>) => Effect.Effect<void>
  readonly flush: Effect.Effect<void, Exit.Exit>
  readonly buffered: () => number
}

/** Opens a run's journal for appending, for the scope's lifetime. */
export const writer = (run: Run): Effect.Effect<Writer, Exit.Exit, FileSystem.FileSystem | Scope.Scope> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const file = yield* fs.open(run.outcomesFile, { flag: "a" }).pipe(Effect.mapError(io(`open ${run.outcomesFile}`)))
    const encoder = new TextEncoder()
    const lock = yield* Effect.makeSemaphore(1)
    let buffer: Array<string> = []
    const flush = lock.withPermits(1)(Effect.suspend(() => {
      if (buffer.length === 0) return Effect.void
      const text = buffer.join("")
      buffer = []
      return file.writeAll(encoder.encode(text)).pipe(
        Effect.zipRight(file.sync),
        Effect.mapError(io(`write ${run.outcomesFile}`))
      )
    }))
    yield* Effect.addFinalizer(() => Effect.ignore(flush))
    return {
      append: (entries) =>
        Effect.sync(() => {
          for (const entry of entries) buffer.push(JSON.stringify(entry) + "\n")
        }),
      flush,
      buffered: () => buffer.length
    }
  })
