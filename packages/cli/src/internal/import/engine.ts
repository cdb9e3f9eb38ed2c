/**
 * The import itself: rows in, outcomes journaled, invitations sent through `Importer.invite` at the
 * quotas. What it adds to the library's importer:
 *
 * - every row keeps its line: duplicates, invalid and empty lines are settled here, so each
 *   address the importer sees is unique and its outcome maps back to one line;
 * - rows with a final outcome in the journal are not sent again;
 * - the importer holds at most `window` rows at a time (memory stays flat on huge files);
 * - every outcome is written to the journal and synced before it is shown;
 * - `stop`: no new call is sent, the calls in flight finish and their outcomes are journaled, and
 *   the import ends with `interrupted`.
 */
import { Importer, Invitations } from "@effect-clerk/invitations"
import type { ClerkError, Invitation } from "@effect-clerk/invitations"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { Exit } from "../exit.js"
import type * as Journal from "./journal.js"
import * as Progress from "./progress.js"
import * as Quotas from "./quotas.js"
import type { InputError, Row } from "./rows.js"

/** Rows resolved before the importer: duplicates by address. */
export interface Dedupe {
  /** The line an address first appeared on, or none (and it is recorded now). */
  readonly firstLine: (emailAddress: string, line: number) => Option.Option<number>
}

/** A case-insensitive first-seen table of addresses. */
export const dedupe = (): Dedupe => {
  const seen = new Map<string, number>()
  return {
    firstLine: (emailAddress, line) => {
      const key = emailAddress.toLowerCase()
      const first = seen.get(key)
      if (first !== undefined) return Option.some(first)
      seen.set(key, line)
      return Option.none()
    }
  }
}

/** Reasons in words, for the journal and the report. */
export const reasons = {
  AlreadyInvited: "an invitation is already pending for this address",
  UserExists: "a user already has this address (or accepted an invitation)",
  Empty: "empty line",
  duplicate: (line: number) => `same address as line ${line}`
} as const

/** The outcome of a row settled before the importer, if any. */
export const settle = (row: Row, seen: Dedupe, at: number): Option.Option<Journal.Entry> => {
  switch (row._tag) {
    case "Empty":
      return Option.some({ line: row.line, email: "", outcome: "Empty", reason: reasons.Empty, at })
    case "Invalid":
      return Option.some({ line: row.line, email: row.emailAddress, outcome: "Invalid", reason: row.reason, at })
    case "Params":
      return Option.map(
        seen.firstLine(row.emailAddress, row.line),
        (first): Journal.Entry => ({
          line: row.line,
          email: row.emailAddress,
          outcome: "DuplicateInput",
          reason: reasons.duplicate(first),
          at
        })
      )
  }
}

const traceOf = (error: ClerkError.ClerkError): string | undefined =>
  "traceId" in error && typeof error.traceId === "string" ? error.traceId : undefined

const toEntry = (line: number, outcome: Importer.Outcome, at: number): Journal.Entry => {
  const email = outcome.emailAddress
  switch (outcome._tag) {
    case "Invited":
      return { line, email, outcome: "Invited", invitation_id: outcome.invitation.id, at }
    case "AlreadyInvited":
      return { line, email, outcome: "AlreadyInvited", reason: reasons.AlreadyInvited, at }
    case "UserExists":
      return { line, email, outcome: "UserExists", reason: reasons.UserExists, at }
    case "DuplicateInput":
      return { line, email, outcome: "DuplicateInput", reason: "same address earlier in the input", at }
    case "Invalid":
      return { line, email, outcome: "Invalid", reason: outcome.error.message, at }
    case "Failed": {
      const traceId = traceOf(outcome.error)
      return { line, email, outcome: "Failed", reason: outcome.error.message, ...(traceId !== undefined ? { trace_id: traceId } : {}), at }
    }
  }
}

/** What the engine needs. */
export interface Options {
  readonly rows: Stream.Stream<Row, InputError | Exit>
  /** Lines already final in the journal: not sent again. */
  readonly finals: ReadonlySet<number>
  /** Counts of the journal before this process (for the display). */
  readonly before: { readonly done: number; readonly invited: number }
  /** Rows in the input, estimated. */
  readonly total: number
  readonly journal: Journal.Writer
  readonly quotas: Quotas.Quotas
  /** Completed to stop gracefully. */
  readonly stop: Deferred.Deferred<void>
  readonly display: Progress.Display
  /** Rows the importer may hold at once. Default 500. */
  readonly window?: number | undefined
}

/** How the engine ended. */
export interface Result {
  /** Outcomes journaled by this process, by outcome. */
  readonly session: Record<Journal.Outcome, number>
  /** Rows skipped because the journal had them final. */
  readonly resumed: number
  /** Stopped before every row had an outcome. */
  readonly interrupted: boolean
  /** The importer stopped itself (an outage or a quota wait too long); the journal is resumable. */
  readonly stopped: Option.Option<Importer.ImportStopped>
}

/** Runs an import to its end or to `stop`. */
export const run = (options: Options): Effect.Effect<Result, InputError | ClerkError.ClerkError | Exit, Invitations.Invitations> =>
  Effect.gen(function*() {
    const invitations = yield* Invitations.Invitations
    const window = Math.max(1, options.window ?? 500)
    const session: Record<Journal.Outcome, number> = {
      Invited: 0,
      AlreadyInvited: 0,
      UserExists: 0,
      DuplicateInput: 0,
      Invalid: 0,
      Failed: 0,
      Empty: 0
    }
    const seen = dedupe()
    const fed = new Map<string, number>() // address key -> line, for rows the importer holds
    const permits = yield* Effect.makeSemaphore(window)
    const input = yield* Mailbox.make<Invitation.CreateParams>()
    const drained = yield* Deferred.make<void>()
    let stopping = false
    let inFlight = 0
    let emitted = 0
    let journaled = 0
    let readAll = false
    let resumed = 0
    let done = options.before.done
    let invited = options.before.invited
    let total = options.total
    let last: Importer.Progress | undefined

    const show = Effect.suspend(() => {
      const rate = last?.ratePerHour ?? 0
      const remaining = Math.max(0, total - done)
      return options.display.update({
        done,
        total: Math.max(total, done),
        invited,
        ratePerHour: rate,
        waitingUntil: Option.map(last?.waitingUntil ?? Option.none(), (at) => at.epochMillis),
        eta: Quotas.describe(Quotas.duration(remaining, options.quotas))
      })
    })

    const checkDrained = Effect.suspend(() =>
      stopping && inFlight === 0 && journaled >= emitted ? Deferred.succeed(drained, undefined) : Effect.void
    )

    // No call leaves once stopping: a call asked for then waits until the import is interrupted.
    const gated = <A, E>(call: Effect.Effect<A, E>): Effect.Effect<A, E> =>
      Effect.suspend(() => {
        if (stopping) return Effect.never
        inFlight++
        return call.pipe(Effect.ensuring(Effect.suspend(() => {
          inFlight--
          // The importer settles the call's outcomes in the same fiber right after; look once it has.
          return inFlight === 0 && stopping
            ? Effect.forkDaemon(Effect.zipRight(Effect.repeatN(Effect.yieldNow(), 3), checkDrained))
            : Effect.void
        })))
      })
    const service: Invitations.Service = {
      ...invitations,
      create: (params) => gated(invitations.create(params)),
      createBulk: (params) => gated(invitations.createBulk(params))
    }

    yield* Effect.forkScoped(Effect.zipRight(
      Deferred.await(options.stop),
      Effect.suspend(() => {
        stopping = true
        return checkDrained
      })
    ))

    // Rows go to the importer in groups, so that a bulk call is not sent half empty while the
    // file is still being read.
    const group = Math.min(window, 50)
    let pending: Array<Extract<Row, { readonly _tag: "Params" }>> = []
    const release = Effect.suspend(() => {
      const rows = pending
      pending = []
      if (rows.length === 0) return Effect.void
      return Effect.zipRight(
        permits.take(rows.length),
        Effect.suspend(() => {
          for (const row of rows) fed.set(row.emailAddress.toLowerCase(), row.line)
          return input.offerAll(rows.map((row) => row.params))
        })
      )
    })

    const flushIfFull = Effect.suspend(() => options.journal.buffered() >= 512 ? options.journal.flush : Effect.void)

    const reader = options.rows.pipe(
      Stream.concat(Stream.execute(Effect.sync(() => {
        readAll = true
        total = Math.max(total, done)
      }))),
      Stream.interruptWhen(Deferred.await(options.stop)),
      Stream.runForEach((row) =>
        Effect.gen(function*() {
          const at = yield* Clock.currentTimeMillis
          const settled = settle(row, seen, at)
          if (options.finals.has(row.line)) {
            resumed++
            return
          }
          if (Option.isSome(settled)) {
            session[settled.value.outcome]++
            done++
            yield* options.journal.append([settled.value])
            yield* flushIfFull
            return yield* show
          }
          if (row._tag !== "Params") return
          pending.push(row)
          if (pending.length >= group) yield* release
        })
      ),
      Effect.zipRight(Effect.suspend(() => release)),
      Effect.ensuring(input.end)
    )

    const importer = Importer.invite(Mailbox.toStream(input), {
      limits: { create: options.quotas.create, bulk: options.quotas.bulk, window: options.quotas.window },
      onProgress: (progress) =>
        Effect.suspend(() => {
          last = progress
          emitted = progress.done
          return progress.waitingUntil._tag === "Some" ? show : Effect.void
        })
    }).pipe(
      Stream.provideService(Invitations.Invitations, service),
      Stream.interruptWhen(Deferred.await(drained)),
      Stream.runForEachChunk((chunk) =>
        Effect.gen(function*() {
          const at = yield* Clock.currentTimeMillis
          const entries: Array<Journal.Entry> = []
          for (const { outcome } of chunk) {
            const key = outcome.emailAddress.toLowerCase()
            const line = fed.get(key) ?? 0
            fed.delete(key)
            entries.push(toEntry(line, outcome, at))
          }
          yield* options.journal.append(entries)
          yield* options.journal.flush
          for (const entry of entries) {
            session[entry.outcome]++
            done++
            if (entry.outcome === "Invited") invited++
          }
          journaled += entries.length
          yield* permits.release(entries.length)
          yield* show
          yield* checkDrained
        })
      )
    )

    // An importer that stops itself (Clerk unreachable past `maxOutage`, or a `Retry-After` past
    // `maxQuotaWait`) has emitted every settled outcome first: the run ends, resumable.
    const stoppedBy = (error: Importer.ImportStopped) => Effect.as(Effect.sync(() => (readAll = false)), Option.some(error))
    const reading = yield* Effect.fork(reader)
    const stopped = yield* importer.pipe(
      Effect.as(Option.none<Importer.ImportStopped>()),
      Effect.catchTags({ OutageTooLong: stoppedBy, QuotaWaitTooLong: stoppedBy })
    )
    // Once the importer stopped, nothing takes rows any more: the reader (waiting for room) stops too.
    const read = Option.isSome(stopped) ? yield* Effect.as(Fiber.interrupt(reading), Either.void) : yield* Effect.either(Fiber.join(reading))
    yield* options.journal.flush
    if (Either.isLeft(read)) return yield* read.left
    return { session, resumed, interrupted: !readAll || fed.size > 0, stopped }
  }).pipe(Effect.scoped)

/** The time `count` invitations take at `quotas`, in words. */
export const estimate = (count: number, quotas: Quotas.Quotas): string =>
  Quotas.describe(Quotas.duration(count, quotas))
