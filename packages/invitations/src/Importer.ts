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
 *   input: what is done is skipped.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Data from "effect/Data"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Mailbox from "effect/Mailbox"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { ClerkError } from "./ClerkError.js"
import { ClerkApiError, InvalidRequest } from "./ClerkError.js"
import type { CreateParams, Invitation } from "./Invitation.js"
import * as I from "./Invitation.js"
import type { CreateError } from "./Invitations.js"
import { Invitations } from "./Invitations.js"
import { SlidingWindow } from "./internal/slidingWindow.js"

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
 * - `Failed`: Clerk or the network failed after the client's retries; the invitation may or may not
 *   exist (a later run over the same input finds out and finishes the job).
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
  /** When the importer is waiting for a quota slot: until when. */
  readonly waitingUntil: Option.Option<DateTime.Utc>
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
 * `bulk: 0` to use one endpoint only.
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
  /** Invitations per bulk call, 1..10. Default 10. */
  readonly batchSize?: number | undefined
  /** Skip addresses with a pending or accepted invitation, found by streaming the list first. Default true. */
  readonly skipExisting?: boolean | undefined
  /**
   * Rounds per address for failures that may pass later (transport, timeout, 5xx, a broken body)
   * once the client's own retries gave up; then the address is `Failed`. Default 3.
   */
  readonly attempts?: number | undefined
  /** Called with every change of progress, waits included. */
  readonly onProgress?: ((progress: Progress) => Effect.Effect<void>) | undefined
}

/**
 * Clerk's documented quotas: 100 creates and 25 bulk calls per hour.
 *
 * @since 0.1.0
 * @category constants
 */
export const clerkLimits = { create: 100, bulk: 25, window: Duration.hours(1) } as const

interface Item {
  readonly emailAddress: string
  readonly params: CreateParams
  readonly round: number
}

const isTransient = (error: ClerkError) =>
  error._tag === "ClerkRequestError" ||
  (error._tag === "ClerkApiError" && (error.status >= 500 || error.status < 300))

type Endpoint = "create" | "bulk"

const validate = Schema.validateEither(Schema.typeSchema(I.CreateParams), { errors: "all", onExcessProperty: "error" })
const key = (email: string) => email.toLowerCase()
const emailOf = (params: unknown): string =>
  typeof params === "object" && params !== null && "emailAddress" in params && typeof params.emailAddress === "string"
    ? params.emailAddress
    : String(params)

const invalidParams = (error: ParseResult.ParseError) =>
  new InvalidRequest({
    message: `Invalid invite parameters: ${ParseResult.TreeFormatter.formatErrorSync(error)}`,
    issues: ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
      path: issue.path.map(String),
      message: issue.message
    }))
  })

/**
 * Invites every address in `input` at the pace Clerk allows, and streams one `Result` per address.
 * The stream fails only when Clerk refuses the key (`Unauthorized`) or the input stream fails;
 * every other failure is a `Failed` result and the import goes on.
 *
 * @since 0.1.0
 * @category constructors
 */
export const invite = <E = never, R = never>(
  input: Iterable<CreateParams> | Stream.Stream<CreateParams, E, R>,
  options: Options = {}
): Stream.Stream<Result, E | ClerkError, Invitations | R> =>
  Stream.unwrapScoped(Effect.gen(function*() {
    const invitations = yield* Invitations
    const window = Duration.decode(options.limits?.window ?? clerkLimits.window)
    const quotas: Record<Endpoint, SlidingWindow> = {
      create: new SlidingWindow(options.limits?.create ?? clerkLimits.create, Duration.toMillis(window)),
      bulk: new SlidingWindow(options.limits?.bulk ?? clerkLimits.bulk, Duration.toMillis(window))
    }
    const batchSize = Math.max(1, Math.min(10, options.batchSize ?? 10))
    const attempts = Math.max(1, options.attempts ?? 3)
    const mailbox = yield* Mailbox.make<Result, E | ClerkError>()
    const wake = yield* Queue.sliding<void>(1)
    const startedAt = yield* Clock.currentTimeMillis

    // State, owned by the coordinator fiber and the calls it forks (one per endpoint at a time).
    const queued: Array<Item> = []
    const soloQueue: Array<Item> = [] // only single creates can tell these apart
    const seen = new Set<string>()
    const inFlight: Record<Endpoint, boolean> = { create: false, bulk: false }
    let inputDone = false
    let done = 0
    let invited = 0
    let read = 0
    let waitingUntil = Option.none<DateTime.Utc>()

    const progress = Effect.map(Clock.currentTimeMillis, (now): Progress => ({
      done,
      remaining: read - done,
      inputDone,
      invited,
      ratePerHour: now > startedAt ? invited / ((now - startedAt) / 3_600_000) : 0,
      waitingUntil
    }))
    const report = options.onProgress === undefined
      ? Effect.void
      : Effect.flatMap(progress, options.onProgress)
    const emit = (outcome: Outcome) =>
      Effect.gen(function*() {
        done++
        if (outcome._tag === "Invited") invited++
        const snapshot = yield* progress
        yield* mailbox.offer({ outcome, progress: snapshot })
        if (options.onProgress !== undefined) yield* options.onProgress(snapshot)
      })

    // 1. What is already there: one pass over pending and accepted invitations.
    const existing = new Map<string, "pending" | "accepted">()
    if (options.skipExisting ?? true) {
      yield* invitations.stream({ status: ["pending", "accepted"], pageSize: 500 }).pipe(
        Stream.runForEach((invitation) =>
          Effect.sync(() => {
            const status = invitation.status === "accepted" ? "accepted" : "pending"
            if (existing.get(key(invitation.emailAddress)) !== "accepted") existing.set(key(invitation.emailAddress), status)
          })
        )
      )
    }

    // 2. Read the input: validate, de-duplicate, skip what exists, queue the rest.
    const accept = (params: CreateParams) =>
      Effect.suspend(() => {
        read++
        const emailAddress = emailOf(params)
        const valid = validate(params)
        if (valid._tag === "Left") return emit(Outcome.Invalid({ emailAddress, error: invalidParams(valid.left) }))
        const k = key(emailAddress)
        if (seen.has(k)) return emit(Outcome.DuplicateInput({ emailAddress }))
        seen.add(k)
        const status = existing.get(k)
        if (status === "pending" && params.ignoreExisting !== true) return emit(Outcome.AlreadyInvited({ emailAddress }))
        if (status === "accepted") return emit(Outcome.UserExists({ emailAddress }))
        queued.push({ emailAddress, params, round: 1 })
        return wake.offer(undefined)
      })
    const source: Stream.Stream<CreateParams, E, R> = Symbol.iterator in input ? Stream.fromIterable(input) : input
    const reader = yield* source.pipe(
      Stream.runForEach(accept),
      Effect.ensuring(Effect.suspend(() => {
        inputDone = true
        return wake.offer(undefined)
      })),
      Effect.forkScoped
    )

    // 3. Send, pacing each endpoint to its quota.
    const requeue = (items: ReadonlyArray<Item>, solo = false) =>
      Effect.sync(() => {
        if (solo) soloQueue.unshift(...items)
        else queued.unshift(...items)
      })

    const settle = (endpoint: Endpoint, items: ReadonlyArray<Item>, error: CreateError): Effect.Effect<void, ClerkError> => {
      switch (error._tag) {
        case "RateLimited":
          return Effect.flatMap(Clock.currentTimeMillis, (now) => {
            quotas[endpoint].block(now + Duration.toMillis(error.retryAfter))
            return requeue(items)
          })
        case "Unauthorized":
          return Effect.fail(error)
        case "DuplicateEmail": {
          if (items.length === 1) {
            const emailAddress = items[0]?.emailAddress ?? ""
            return emit(
              error.reason === "UserExists" ? Outcome.UserExists({ emailAddress }) : Outcome.AlreadyInvited({ emailAddress })
            )
          }
          const named = new Set(error.emailAddresses.map(key))
          const hit = items.filter((item) => named.has(key(item.emailAddress)))
          const rest = items.filter((item) => !named.has(key(item.emailAddress)))
          if (hit.length === 0 || rest.length === 0) {
            // Clerk did not say which: ask one by one (only single creates can tell).
            return requeue(items, true)
          }
          return Effect.zipRight(
            Effect.forEach(hit, (item) =>
              emit(
                error.reason === "UserExists"
                  ? Outcome.UserExists({ emailAddress: item.emailAddress })
                  : Outcome.AlreadyInvited({ emailAddress: item.emailAddress })
              ), { discard: true }),
            requeue(rest)
          )
        }
        default: {
          const again = isTransient(error) ? items.filter((item) => item.round < attempts) : []
          return Effect.zipRight(
            requeue(again.map((item) => ({ ...item, round: item.round + 1 }))),
            Effect.forEach(
              items.filter((item) => !again.includes(item)),
              (item) => emit(Outcome.Failed({ emailAddress: item.emailAddress, error })),
              { discard: true }
            )
          )
        }
      }
    }

    const call = (endpoint: Endpoint, items: ReadonlyArray<Item>) =>
      Effect.gen(function*() {
        const single = endpoint === "create" && items.length === 1 ? items[0] : undefined
        const sent = single === undefined
          ? invitations.createBulk(items.map((item) => item.params))
          : Effect.map(invitations.create(single.params), (invitation) => [invitation])
        yield* sent.pipe(
          Effect.matchEffect({
            onFailure: (error) => settle(endpoint, items, error),
            onSuccess: (created) =>
              Effect.forEach(
                items,
                (item) => {
                  const invitation = created.find((c) => key(c.emailAddress) === key(item.emailAddress))
                  return invitation === undefined
                    ? emit(Outcome.Failed({ emailAddress: item.emailAddress, error: missing(item.emailAddress) }))
                    : emit(Outcome.Invited({ emailAddress: item.emailAddress, invitation }))
                },
                { discard: true }
              )
          })
        )
      }).pipe(
        Effect.ensuring(Effect.suspend(() => {
          inFlight[endpoint] = false
          return wake.offer(undefined)
        }))
      )

    const coordinator = Effect.gen(function*() {
      const calls: Array<Fiber.RuntimeFiber<void, ClerkError>> = []
      while (true) {
        const now = yield* Clock.currentTimeMillis
        const startCall = (endpoint: Endpoint, items: ReadonlyArray<Item>) =>
          Effect.gen(function*() {
            inFlight[endpoint] = true
            quotas[endpoint].use(now)
            calls.push(yield* Effect.fork(call(endpoint, items)))
          })
        const bulkOn = quotas.bulk.limit > 0
        const createOn = quotas.create.limit > 0
        if (!inFlight.bulk && bulkOn && queued.length > 0 && quotas.bulk.freeAt(now) <= now) {
          yield* startCall("bulk", queued.splice(0, batchSize))
        }
        if (!inFlight.create && createOn && quotas.create.freeAt(now) <= now) {
          const next = soloQueue.shift() ?? queued.shift()
          if (next !== undefined) yield* startCall("create", [next])
        }
        // Without single creates, ambiguous bulk rejections can only be retried one per bulk call.
        if (!createOn && !inFlight.bulk && soloQueue.length > 0 && quotas.bulk.freeAt(now) <= now) {
          const next = soloQueue.shift()
          if (next !== undefined) yield* startCall("bulk", [next])
        }
        const work = queued.length + soloQueue.length
        if (work === 0 && !inFlight.bulk && !inFlight.create && inputDone) break
        // Sleep until a slot frees for pending work, or until something changes.
        const wakeAt = [
          ...(work > 0 && bulkOn && !inFlight.bulk && queued.length + (createOn ? 0 : soloQueue.length) > 0
            ? [quotas.bulk.freeAt(now)]
            : []),
          ...(work > 0 && createOn && !inFlight.create ? [quotas.create.freeAt(now)] : [])
        ].filter((at) => at > now)
        const until = wakeAt.length === 0 ? undefined : Math.min(...wakeAt)
        const idle = until !== undefined && !inFlight.bulk && !inFlight.create
        waitingUntil = idle ? Option.some(DateTime.unsafeMake(until)) : Option.none()
        if (idle) yield* report
        yield* Queue.take(wake).pipe(
          // At least a whole millisecond: clocks may report fractions, and a sleep that rounds to
          // nothing would wake at the same instant, again and again.
          until === undefined ? (self) => self : Effect.race(Effect.sleep(Duration.millis(Math.max(1, Math.ceil(until - now)))))
        )
        waitingUntil = Option.none()
        // Surface a failed call (Unauthorized) at once.
        for (const fiber of calls.splice(0)) {
          const exit = yield* Fiber.poll(fiber)
          if (Option.isSome(exit)) yield* exit.value
          else calls.push(fiber)
        }
      }
      yield* Fiber.joinAll(calls)
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
