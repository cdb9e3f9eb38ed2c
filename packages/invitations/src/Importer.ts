/**
 * Invite many people at Clerk's pace: `invite` takes any number of invitation params (an
 * `Iterable`, or a `Stream`, say from a CSV) and returns a `Stream` with one result per address.
 *
 * - Both quotas at once: Clerk limits `POST /invitations` to 100 per hour and
 *   `POST /invitations/bulk` (10 invitations each) to 25 per hour, per secret key and endpoint, so
 *   bulk calls and single creates run side by side for a ceiling of 350 invitations an hour, where a
 *   loop of creates gets 100.
 * - Paced: it keeps its own sliding-window count per endpoint and waits for a free slot instead of
 *   spending calls on 429s; when Clerk disagrees with its count (another process shares the key), a
 *   429's `Retry-After` blocks that endpoint until then and the work is queued again.
 * - Nothing twice, no quota wasted: the input is de-duplicated (case-insensitively), addresses with
 *   a pending or accepted invitation are skipped after one `stream` over the list (which spends no
 *   invitation quota), a bulk call rejected for some duplicates is re-sent without them, and the
 *   client's exactly-once create covers dropped connections. Stop and run it again over the same
 *   input: what is done is skipped. A bulk call's `duplicate_record` settles the addresses Clerk
 *   names as `AlreadyInvited` and re-sends the rest in a bulk call: no single create is spent on
 *   them.
 * - Outages: a call that cannot reach Clerk (transport failure or timeout, after the client's
 *   retries) does not make its addresses `Failed`. The importer pauses both endpoints, probes Clerk
 *   with a one-item `list` (which spends no invitation quota) every 5 s, doubling to 1 min, and
 *   when Clerk answers again it sends the work again; past `maxOutage` it stops with
 *   `OutageTooLong`. A `Retry-After` beyond `maxQuotaWait` stops it with `QuotaWaitTooLong` instead
 *   of a wait no one expects. Either way every outcome settled before is emitted first, and the
 *   addresses still in flight are not reported: run it again over the same input to finish.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ClerkError, Unauthorized } from "./ClerkError.js"
import { ClerkApiError, ClerkRequestError, InvalidRequest } from "./ClerkError.js"
import type { CreateParams, Invitation } from "./Invitation.js"
import { Invitations } from "./Invitations.js"
import { waitOut } from "./internal/outage.js"
import { type Endpoint, Pacer } from "./internal/pacer.js"
import { checkRow, emailOf } from "./internal/rows.js"
import { addressKey, isOutage, type Item, settleConfirmed, settleFailure, settleSuccess, type Verdict } from "./internal/settle.js"

/**
 * What happened to one address.
 *
 * - `Invited`: an invitation was created by this run: Clerk answered its request, or, after an
 *   ambiguous attempt, the one found can only be its own (see `Invitations`); two runs over one
 *   `Invitations` service never both report one invitation.
 * - `AlreadyInvited`: an invitation was already pending (before the run, or created meanwhile by
 *   someone else), or one exists that the run cannot show it created; nothing was created by it.
 * - `UserExists`: a user has the address (or accepted an invitation); nothing was created.
 * - `DuplicateInput`: the address appeared earlier in the input; it is handled there.
 * - `Invalid`: the params failed validation; nothing was sent.
 * - `Failed`: Clerk failed after the client's retries and `attempts` rounds (a `5xx`, a broken
 *   body); the invitation may or may not exist (a later run over the same input finds out and
 *   finishes the job). A network outage is not a failure: the importer waits it out (`maxOutage`).
 *
 * After an outage, an address whose call may have reached Clerk is sent again as a fresh call.
 * If that earlier call did create the invitation, the fresh one meets it and cannot show it is this
 * run's: the address is then `AlreadyInvited`, the honest answer (one invitation exists; this run
 * does not claim it). The same holds for a bulk call's `duplicate_record`.
 *
 * @since 0.1.0
 * @category models
 */
export type Outcome = Data.TaggedEnum<{
  Invited: { readonly emailAddress: string; readonly invitation: Invitation }
  AlreadyInvited: { readonly emailAddress: string }
  UserExists: { readonly emailAddress: string }
  DuplicateInput: { readonly emailAddress: string }
  Invalid: { readonly emailAddress: string; readonly error: InvalidRequest }
  Failed: { readonly emailAddress: string; readonly error: ClerkError }
}>

/**
 * Constructors and matchers of `Outcome`.
 *
 * @since 0.1.0
 * @category models
 */
export const Outcome = Data.taggedEnum<Outcome>()

/**
 * Where the import stands.
 *
 * @since 0.1.0
 * @category models
 */
export interface Progress {
  /** Addresses with a result so far. */
  readonly done: number
  /** Addresses read but without a result yet (queued or in flight). */
  readonly remaining: number
  /** Whether the whole input has been read (so `remaining` is final). */
  readonly inputDone: boolean
  /** Invitations created by this run. */
  readonly invited: number
  /** Invitations created per hour since the run started. */
  readonly ratePerHour: number
  /** When the importer is waiting for a quota slot (or, during an outage, its next probe): until when. */
  readonly waitingUntil: Option.Option<DateTime.Utc>
  /** During an outage (Clerk unreachable, sending paused): since when. Absent otherwise. */
  readonly outageSince?: DateTime.Utc | undefined
}

/**
 * One address's result and the progress right after it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Result {
  readonly outcome: Outcome
  readonly progress: Progress
}

/**
 * Clerk's invitation quotas per secret key, which the importer paces itself to. Set `create: 0` or
 * `bulk: 0` to use one endpoint only (not both). Lower them for a key another process shares, or
 * for an instance with other limits; squeeze the window for tests. Counts are whole numbers, the
 * window longer than 0: anything else fails the import with `InvalidRequest` before any request.
 *
 * @since 0.1.0
 * @category models
 */
export interface Limits {
  /** `POST /invitations` per window. Default 100. */
  readonly create?: number | undefined
  /** `POST /invitations/bulk` per window. Default 25. */
  readonly bulk?: number | undefined
  /** The window. Default 1 hour. */
  readonly window?: Duration.DurationInput | undefined
}

/**
 * How `invite` runs.
 *
 * @since 0.1.0
 * @category models
 */
export interface Options {
  /** Clerk's quotas; defaults are Clerk's documented ones. */
  readonly limits?: Limits | undefined
  /** Invitations per bulk call, a whole number 1..10 (else the import fails with `InvalidRequest`). Default 10. */
  readonly batchSize?: number | undefined
  /** Skip addresses with a pending or accepted invitation, found by streaming the list first. Default true. */
  readonly skipExisting?: boolean | undefined
  /**
   * Rounds per address for failures that may pass later (transport, timeout, 5xx, a broken body)
   * once the client's own retries gave up; then the address is `Failed`. A whole number, at least 1.
   * Default 3.
   */
  readonly attempts?: number | undefined
  /** Called with every change of progress, waits included. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
  /**
   * How long Clerk may stay unreachable (transport failures, timeouts) before the import stops with
   * `OutageTooLong`; meanwhile it is paused and probing. Default 30 minutes.
   */
  readonly maxOutage?: Duration.DurationInput | undefined
  /**
   * The longest `Retry-After` the importer waits out; a longer one stops the import with
   * `QuotaWaitTooLong`. Default 65 minutes: Clerk's quota window is an hour. A 429 without a
   * readable `Retry-After` blocks the endpoint for the quota window (`limits.window`).
   */
  readonly maxQuotaWait?: Duration.DurationInput | undefined
}

const formatWhen = (at: Option.Option<DateTime.Utc>) =>
  Option.match(at, { onNone: () => "beyond any representable date", onSome: DateTime.formatIso })

const stillToDo = (unsettled: number, inputDone: boolean) =>
  `${unsettled} address${unsettled === 1 ? "" : "es"} read but not settled${inputDone ? "" : ", the input not read to its end"}`

/**
 * The import stopped because Clerk stayed unreachable longer than `maxOutage`. Every outcome
 * settled before was emitted; the `unsettled` addresses (and any input not yet read) have no
 * outcome, none is `Failed`: run the import again over the same input to finish (nothing is
 * invited twice).
 *
 * @since 0.1.0
 * @category errors
 */
export class OutageTooLong extends Schema.TaggedError<OutageTooLong>()("OutageTooLong", {
  since: Schema.DateTimeUtcFromSelf,
  elapsed: Schema.DurationFromSelf,
  maxOutage: Schema.DurationFromSelf,
  unsettled: Schema.Number,
  inputDone: Schema.Boolean,
  lastError: ClerkRequestError
}) {
  override get message(): string {
    return `Clerk could not be reached for ${Duration.format(this.elapsed)} (since ${DateTime.formatIso(this.since)}; ` +
      `maxOutage ${Duration.format(this.maxOutage)}), so the import stopped with ${stillToDo(this.unsettled, this.inputDone)}. ` +
      `Last error: ${this.lastError.message} Check the network, then run it again over the same input: what is done is skipped.`
  }
}

/**
 * The import stopped because Clerk asked to wait (`Retry-After`) longer than `maxQuotaWait`, which
 * no quota window explains. `until` is when the wait would end (none if beyond any date). Every
 * outcome settled before was emitted; run the import again later over the same input to finish.
 *
 * @since 0.1.0
 * @category errors
 */
export class QuotaWaitTooLong extends Schema.TaggedError<QuotaWaitTooLong>()("QuotaWaitTooLong", {
  endpoint: Schema.Literal("create", "bulk"),
  retryAfter: Schema.DurationFromSelf,
  until: Schema.OptionFromSelf(Schema.DateTimeUtcFromSelf),
  maxQuotaWait: Schema.DurationFromSelf,
  unsettled: Schema.Number,
  inputDone: Schema.Boolean,
  traceId: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const path = this.endpoint === "bulk" ? "POST /invitations/bulk" : "POST /invitations"
    return `Clerk asked to wait ${Duration.format(this.retryAfter)} before the next ${path} (until ${formatWhen(this.until)}), ` +
      `more than maxQuotaWait (${Duration.format(this.maxQuotaWait)}), so the import stopped with ` +
      `${stillToDo(this.unsettled, this.inputDone)}. Run it again over the same input later: what is done is skipped.` +
      (this.traceId === undefined ? "" : ` (Clerk trace ${this.traceId})`)
  }
}

/**
 * Why an import stopped before its end, other than a refused key or a failing input.
 *
 * @since 0.1.0
 * @category errors
 */
export type ImportStopped = OutageTooLong | QuotaWaitTooLong

/**
 * Clerk's documented quotas: 100 creates and 25 bulk calls per hour.
 *
 * @since 0.1.0
 * @category constants
 */
export const clerkLimits = { create: 100, bulk: 25, window: Duration.hours(1) } as const

interface Settings {
  readonly create: number
  readonly bulk: number
  readonly windowMillis: number
  readonly batchSize: number
  readonly attempts: number
  readonly maxOutageMillis: number
  readonly maxQuotaWaitMillis: number
}

type Issue = { readonly path: ReadonlyArray<string>; readonly message: string }

// The options, checked once before anything is sent: a clear InvalidRequest rather than an import
// that can never send (both quotas 0), never waits (a window of 0) or spins (a batch of NaN).
const settingsOf = (options: Options): Either.Either<Settings, InvalidRequest> => {
  const issues: Array<Issue> = []
  const count = (path: ReadonlyArray<string>, value: number | undefined, fallback: number, min: number, max: number) => {
    if (value === undefined) return fallback
    if (!Number.isInteger(value) || value < min || value > max) {
      issues.push({ path, message: `Expected a whole number from ${min} to ${max}, got ${value}` })
    }
    return value
  }
  const millis = (path: ReadonlyArray<string>, value: Duration.DurationInput | undefined, fallback: Duration.Duration, finite: boolean) => {
    // a negative number of millis would decode as 0: refuse it instead
    const decoded = value === undefined
      ? Option.some(fallback)
      : typeof value === "number" && value < 0
      ? Option.none()
      : Duration.decodeUnknown(value)
    const ms = Option.match(decoded, { onNone: () => Number.NaN, onSome: Duration.toMillis })
    if (Number.isNaN(ms) || ms < 0 || (finite && !(ms > 0 && Number.isFinite(ms)))) {
      issues.push({ path, message: `Expected a duration${finite ? " longer than 0" : ""}, got ${String(value)}` })
    }
    return ms
  }
  const create = count(["limits", "create"], options.limits?.create, clerkLimits.create, 0, Number.MAX_SAFE_INTEGER)
  const bulk = count(["limits", "bulk"], options.limits?.bulk, clerkLimits.bulk, 0, Number.MAX_SAFE_INTEGER)
  if (create === 0 && bulk === 0) issues.push({ path: ["limits"], message: "create and bulk cannot both be 0: nothing could be sent" })
  const settings: Settings = {
    create,
    bulk,
    windowMillis: millis(["limits", "window"], options.limits?.window, clerkLimits.window, true),
    batchSize: count(["batchSize"], options.batchSize, 10, 1, 10),
    attempts: count(["attempts"], options.attempts, 3, 1, Number.MAX_SAFE_INTEGER),
    maxOutageMillis: millis(["maxOutage"], options.maxOutage, Duration.minutes(30), false),
    maxQuotaWaitMillis: millis(["maxQuotaWait"], options.maxQuotaWait, Duration.minutes(65), false)
  }
  if (issues.length === 0) return Either.right(settings)
  const lines = issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`)
  return Either.left(new InvalidRequest({ message: `Invalid import options: ${lines.join("; ")}`, issues }))
}


/**
 * Invites every address in `input` at the pace Clerk allows, and streams one `Result` per address.
 * The stream fails only when Clerk refuses the key (`Unauthorized`), the input stream fails, the
 * options are invalid (`InvalidRequest`, nothing sent), or the import stops (`OutageTooLong`,
 * `QuotaWaitTooLong`, after every settled outcome); every other failure is a `Failed` result and
 * the import goes on.
 *
 * It runs as one coordinator fiber that reads the queue and starts calls when the pacer has a slot
 * (`internal/pacer.ts`), one call per endpoint at a time, each settled by the settle policy
 * (`internal/settle.ts`) into outcomes, rows queued again, and what the import does next.
 *
 * @since 0.1.0
 * @category constructors
 */
export const invite = <E = never, R = never>(
  input: Iterable<CreateParams> | Stream.Stream<CreateParams, E, R>,
  options: Options = {}
): Stream.Stream<Result, E | ClerkError | ImportStopped, Invitations | R> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const settings = yield* settingsOf(options)
    const invitations = yield* Invitations
    const scope = yield* Effect.scope
    const pacer = new Pacer({ create: settings.create, bulk: settings.bulk }, settings.windowMillis)
    const skipExisting = options.skipExisting ?? true
    const mailbox = yield* Mailbox.make<Result, E | ClerkError | ImportStopped>()
    const wake = yield* Queue.sliding<void>(1)
    const signal = wake.offer(undefined)
    const startedAt = yield* Clock.currentTimeMillis

    // The import's state, owned by the coordinator and the fibers it forks (one call per endpoint
    // at a time, and the outage probe), which take turns on one thread.
    const queue = { bulk: new Array<Item>(), solo: new Array<Item>() } // solo: only single creates can tell these apart
    const counts = { read: 0, done: 0, invited: 0, inputDone: false }
    const fibers: Array<Fiber.RuntimeFiber<void, ClerkError>> = []
    let waitingUntil = Option.none<DateTime.Utc>()
    // Clerk unreachable since then: nothing is sent meanwhile.
    let outageSince: number | undefined
    // Set once the import must stop: its error, given what is left unsettled by then.
    let stop: ((unsettled: number, inputDone: boolean) => ImportStopped) | undefined

    // Progress and outcomes.
    const progress = Effect.map(Clock.currentTimeMillis, (now): Progress => ({
      done: counts.done,
      remaining: counts.read - counts.done,
      inputDone: counts.inputDone,
      invited: counts.invited,
      ratePerHour: now > startedAt ? counts.invited / ((now - startedAt) / 3_600_000) : 0,
      waitingUntil,
      ...(outageSince === undefined ? {} : { outageSince: DateTime.unsafeMake(outageSince) })
    }))
    const report = options.onProgress === undefined ? Effect.void : Effect.flatMap(progress, options.onProgress)
    const emit = (outcome: Outcome) =>
      Effect.gen(function*() {
        counts.done++
        if (outcome._tag === "Invited") counts.invited++
        const snapshot = yield* progress
        yield* mailbox.offer({ outcome, progress: snapshot })
        if (options.onProgress !== undefined) yield* options.onProgress(snapshot)
      })

    // 1. What Clerk already holds: one pass over pending and accepted invitations, again whenever a
    //    bulk call meets a duplicate (someone else is inviting too). Lists spend no invitation quota.
    const existing = new Map<string, "pending" | "accepted">()
    const scan = invitations.stream({ status: ["pending", "accepted"], pageSize: 500 }).pipe(
      Stream.runFold(new Map<string, "pending" | "accepted">(), (found, invitation) => {
        const k = addressKey(invitation.emailAddress)
        if (found.get(k) !== "accepted") found.set(k, invitation.status === "accepted" ? "accepted" : "pending")
        return found
      }),
      Effect.map((found) => {
        existing.clear()
        for (const [k, status] of found) existing.set(k, status)
      })
    )
    if (skipExisting) yield* scan
    const statusOf = (emailAddress: string) => existing.get(addressKey(emailAddress))
    // What Clerk holds for this row, as its outcome; undefined when it is to be sent.
    const known = (emailAddress: string, params: CreateParams): Outcome | undefined => {
      const status = statusOf(emailAddress)
      if (status === "accepted") return Outcome.UserExists({ emailAddress })
      if (status === "pending" && params.ignoreExisting !== true) return Outcome.AlreadyInvited({ emailAddress })
      return undefined
    }
    // Settles the queued rows the list shows done, without sending them.
    const sweep = Effect.suspend(() => {
      const settled: Array<Outcome> = []
      for (const rows of [queue.bulk, queue.solo]) {
        let kept = 0
        for (const item of rows) {
          const outcome = known(item.emailAddress, item.params)
          if (outcome === undefined) rows[kept++] = item
          else settled.push(outcome)
        }
        rows.length = kept
      }
      return Effect.forEach(settled, emit, { discard: true })
    })

    // 2. Read the input: check each row once, de-duplicate, skip what exists, queue the rest.
    const seen = new Set<string>()
    const accept = (params: CreateParams) =>
      Effect.suspend(() => {
        counts.read++
        const emailAddress = emailOf(params)
        const error = checkRow(params)
        if (error !== undefined) return emit(Outcome.Invalid({ emailAddress, error }))
        const k = addressKey(emailAddress)
        if (seen.has(k)) return emit(Outcome.DuplicateInput({ emailAddress }))
        seen.add(k)
        const skip = skipExisting ? known(emailAddress, params) : undefined
        if (skip !== undefined) return emit(skip)
        queue.bulk.push({ emailAddress, params, round: 1, solo: false })
        return signal
      })
    const source: Stream.Stream<CreateParams, E, R> = Symbol.iterator in input ? Stream.fromIterable(input) : input
    const reader = yield* source.pipe(
      Stream.runForEach(accept),
      Effect.ensuring(Effect.suspend(() => {
        counts.inputDone = true
        return signal
      })),
      Effect.forkScoped
    )

    // 3. An outage: both endpoints pause; a one-item list probes Clerk every 5 s, doubling to
    //    1 min, until it answers (go on) or `maxOutage` has passed (stop).
    const probe = (since: number) =>
      Effect.gen(function*() {
        const end = yield* waitOut({
          since,
          maxMillis: settings.maxOutageMillis,
          check: invitations.list({ limit: 1 }),
          isOutage,
          isFatal: (error): error is Unauthorized => error._tag === "Unauthorized",
          onWait: (until) =>
            Effect.suspend(() => {
              waitingUntil = Option.some(DateTime.unsafeMake(until))
              return report
            }),
          isOver: () => outageSince === undefined
        })
        if (end._tag === "Back") {
          outageSince = undefined
          waitingUntil = Option.none()
        } else {
          const lastError = end.lastError
          stop ??= (unsettled, inputDone) =>
            new OutageTooLong({
              since: DateTime.unsafeMake(since),
              elapsed: Duration.millis(end.elapsedMillis),
              maxOutage: Duration.millis(settings.maxOutageMillis),
              unsettled,
              inputDone,
              lastError
            })
        }
        yield* signal
      })
    const pause = (now: number) =>
      Effect.suspend(() => {
        if (outageSince !== undefined) return Effect.void
        outageSince = now
        return Effect.flatMap(Effect.forkIn(probe(now), scope), (fiber) => Effect.sync(() => void fibers.push(fiber)))
      })

    // 4. Carry out a verdict: emit its outcomes, queue its rows again, then what it says next.
    const apply = (endpoint: Endpoint, verdict: Verdict): Effect.Effect<void, ClerkError> =>
      Effect.gen(function*() {
        for (const [item, invitation] of verdict.invited) yield* emit(Outcome.Invited({ emailAddress: item.emailAddress, invitation }))
        for (const item of verdict.alreadyInvited) yield* emit(Outcome.AlreadyInvited({ emailAddress: item.emailAddress }))
        for (const item of verdict.userExists) yield* emit(Outcome.UserExists({ emailAddress: item.emailAddress }))
        for (const [item, error] of verdict.failed) yield* emit(Outcome.Failed({ emailAddress: item.emailAddress, error }))
        queue.solo.unshift(...verdict.again.filter((item) => item.solo))
        queue.bulk.unshift(...verdict.again.filter((item) => !item.solo))
        const then = verdict.then
        const now = yield* Clock.currentTimeMillis
        switch (then._tag) {
          case "Go":
            return
          case "Block":
            return pacer.block(endpoint, then.until)
          case "WaitTooLong":
            stop ??= (unsettled, inputDone) =>
              new QuotaWaitTooLong({
                endpoint,
                retryAfter: then.error.retryAfter,
                until: DateTime.make(then.until),
                maxQuotaWait: Duration.millis(settings.maxQuotaWaitMillis),
                unsettled,
                inputDone,
                ...(then.error.traceId === undefined ? {} : { traceId: then.error.traceId })
              })
            return
          case "Outage":
            return yield* pause(now)
          case "Refused":
            return yield* then.error
          case "Confirm":
          case "Refresh": {
            const refreshed = Either.isRight(yield* Effect.either(scan))
            if (then._tag === "Confirm") yield* apply(endpoint, settleConfirmed(then.items, refreshed ? statusOf : undefined))
            if (skipExisting && refreshed) yield* sweep
          }
        }
      })

    // 5. One call: its rows in one bulk call, or one create; settled whatever happens.
    const call = (endpoint: Endpoint, items: ReadonlyArray<Item>) => {
      const single = endpoint === "create" && items.length === 1 ? items[0] : undefined
      const sent = single === undefined
        ? invitations.createBulk(items.map((item) => item.params))
        : Effect.map(invitations.create(single.params), (invitation) => [invitation])
      return sent.pipe(
        Effect.matchEffect({
          onFailure: (error) =>
            Effect.flatMap(Clock.currentTimeMillis, (now) =>
              apply(endpoint, settleFailure(items, error, { now, ...settings }))),
          onSuccess: (created) => apply(endpoint, settleSuccess(items, created, missing))
        }),
        Effect.ensuring(Effect.suspend(() => {
          pacer.finish(endpoint)
          return signal
        }))
      )
    }

    // 6. The coordinator: start what the pacer allows, sleep until a slot frees or something
    //    changes, surface a failed fiber (Unauthorized) at once; stop when all is settled.
    const start = (endpoint: Endpoint, items: ReadonlyArray<Item>, now: number) =>
      Effect.gen(function*() {
        pacer.take(endpoint, now)
        fibers.push(yield* Effect.fork(call(endpoint, items)))
      })
    const startCalls = (now: number) =>
      Effect.gen(function*() {
        if (outageSince !== undefined || stop !== undefined) return
        if (queue.bulk.length > 0 && pacer.free("bulk", now)) yield* start("bulk", queue.bulk.splice(0, settings.batchSize), now)
        if (pacer.free("create", now)) {
          const next = queue.solo.shift() ?? queue.bulk.shift()
          if (next !== undefined) yield* start("create", [next], now)
        }
        // Without single creates, rows no bulk rejection named go one per bulk call.
        const next = pacer.enabled("create") ? undefined : queue.solo[0]
        if (next !== undefined && pacer.free("bulk", now)) yield* start("bulk", queue.solo.splice(0, 1), now)
      })
    // When a slot frees for queued work (none while paused or stopping).
    const nextSlot = (now: number) => {
      if (outageSince !== undefined || stop !== undefined) return undefined
      const forBulk = queue.bulk.length + (pacer.enabled("create") ? 0 : queue.solo.length) > 0
      const forCreate = queue.bulk.length + queue.solo.length > 0
      return pacer.nextFree(now, [...(forBulk ? ["bulk" as const] : []), ...(forCreate ? ["create" as const] : [])])
    }
    const surfaceFailures = Effect.gen(function*() {
      for (const fiber of fibers.splice(0)) {
        const exit = yield* Fiber.poll(fiber)
        if (Option.isSome(exit)) yield* exit.value
        else fibers.push(fiber)
      }
    })

    const coordinator = Effect.gen(function*() {
      while (true) {
        const now = yield* Clock.currentTimeMillis
        yield* startCalls(now)
        const settled = queue.bulk.length + queue.solo.length === 0 && counts.inputDone
        if (!pacer.busy && (stop !== undefined || settled)) break
        const until = nextSlot(now)
        if (outageSince === undefined) {
          const idle = until !== undefined && !pacer.busy
          waitingUntil = idle ? Option.some(DateTime.unsafeMake(until)) : Option.none()
          if (idle) yield* report
        }
        yield* Queue.take(wake).pipe(
          // At least a whole millisecond: clocks may report fractions, and a sleep that rounds to
          // nothing would wake at the same instant, again and again.
          until === undefined ? (self) => self : Effect.race(Effect.sleep(Duration.millis(Math.max(1, Math.ceil(until - now)))))
        )
        if (outageSince === undefined) waitingUntil = Option.none()
        yield* surfaceFailures
      }
      if (stop !== undefined) {
        // Every settled outcome is out; what is left has none, and none is Failed.
        for (const fiber of fibers.splice(0)) yield* Fiber.interrupt(fiber)
        return yield* stop(counts.read - counts.done, counts.inputDone)
      }
      yield* Fiber.joinAll(fibers)
      yield* Fiber.join(reader)
    })

    yield* coordinator.pipe(
      Effect.matchCauseEffect({
        onFailure: (cause) => mailbox.failCause(cause),
        onSuccess: () => mailbox.end
      }),
      Effect.forkScoped
    )
    return Mailbox.toStream(mailbox)
  }))

const missing = (emailAddress: string): ClerkError =>
  new ClerkApiError({
    status: 200,
    errors: [{ code: "unexpected_response", message: `Clerk's bulk answer has no invitation for ${emailAddress}` }]
  })

/**
 * Collects the outcomes of an import into counts by tag, for reports.
 *
 * @since 0.1.0
 * @category utils
 */
export const summarize = <E, R>(
  results: Stream.Stream<Result, E, R>
): Effect.Effect<Readonly<Record<Outcome["_tag"], number>>, E, R> =>
  Stream.runFold(
    results,
    { Invited: 0, AlreadyInvited: 0, UserExists: 0, DuplicateInput: 0, Invalid: 0, Failed: 0 },
    (counts, { outcome }) => ({ ...counts, [outcome._tag]: counts[outcome._tag] + 1 })
  )
