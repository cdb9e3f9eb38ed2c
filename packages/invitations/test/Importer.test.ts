/**
 * The importer against the emulator with Clerk's rate limits enforced on the `TestClock`: simulated
 * hours pass in milliseconds, so throughput is measured in invitations per simulated hour.
 */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { ClerkClient, Importer, Invitations } from "@effect-clerk/invitations"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"

const stack = (emulator: ClerkEmulator.Options = {}, client: Partial<ClerkClient.Options> = {}) =>
  Invitations.layer.pipe(
    Layer.provide(ClerkClient.layer({ secretKey: Redacted.make(ClerkEmulator.defaultSecretKey), ...client })),
    Layer.provideMerge(ClerkEmulator.layer(emulator))
  )

const emails = (n: number, prefix = "user") =>
  Array.from({ length: n }, (_, i) => ({ emailAddress: `${prefix}${i}@example.com` }))

/** Runs `stream` to the end while moving the TestClock forward a `step` at a time. */
const runSimulated = <A, E, R>(
  stream: Stream.Stream<A, E, R>,
  step: Duration.DurationInput = "1 minute",
  maxSteps = 3_000
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(Stream.runCollect(stream))
    let steps = 0
    while (Option.isNone(yield* Fiber.poll(fiber))) {
      yield* TestClock.adjust(step)
      if (++steps > maxSteps) {
        yield* Fiber.interrupt(fiber)
        return yield* Effect.dieMessage(`the import did not finish in ${maxSteps} steps of ${Duration.format(step)}`)
      }
    }
    return Chunk.toReadonlyArray(yield* Fiber.join(fiber))
  })

const tally = (results: ReadonlyArray<Importer.Result>) => {
  const counts: Record<string, number> = {}
  for (const { outcome } of results) counts[outcome._tag] = (counts[outcome._tag] ?? 0) + 1
  return counts
}

const storedCounts = (emulator: ClerkEmulator.Service) =>
  Effect.map(emulator.invitations, (all) => {
    const byEmail = new Map<string, number>()
    for (const invitation of all) {
      if (invitation.status === "revoked") continue
      const key = invitation.email_address.toLowerCase()
      byEmail.set(key, (byEmail.get(key) ?? 0) + 1)
    }
    return { total: all.length, distinct: byEmail.size, doubled: [...byEmail.values()].filter((n) => n > 1).length }
  })

describe("Importer.invite", () => {
  it.effect("uses both quotas side by side and waits for free slots instead of 429s", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const results = yield* runSimulated(Importer.invite(emails(30), { limits: { create: 2, bulk: 1 } }))
      assert.deepStrictEqual(tally(results), { Invited: 30 })
      assert.deepStrictEqual(yield* storedCounts(emulator), { total: 30, distinct: 30, doubled: 0 })
      const requests = yield* emulator.requests
      const posts = requests.filter((r) => r.method === "POST")
      assert.strictEqual(posts.filter((r) => r.status === 429).length, 0, "no call wasted on a 429")
      // hour 0: 1 bulk (10) + 2 singles; hour 1: the same; hour 2: the last 6
      assert.strictEqual(posts.filter((r) => r.path.endsWith("/bulk")).length, 3)
      assert.strictEqual(posts.filter((r) => !r.path.endsWith("/bulk")).length, 4)
    }).pipe(Effect.provide(stack({ rateLimits: { create: 2, bulk: 1 } }))))

  it.effect("de-duplicates the input, skips pending and accepted, reports invalid rows", () =>
    Effect.gen(function*() {
      const invitations = yield* Invitations.Invitations
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const pending = yield* invitations.create({ emailAddress: "pending@example.com" })
      const accepted = yield* invitations.create({ emailAddress: "accepted@example.com" })
      yield* emulator.accept(accepted.id)
      yield* emulator.seedUser("user@example.com")
      const before = (yield* emulator.requests).filter((r) => r.method === "POST").length
      const results = yield* runSimulated(Importer.invite([
        { emailAddress: "new@example.com" },
        { emailAddress: "NEW@example.com" },
        { emailAddress: "pending@example.com" },
        { emailAddress: "accepted@example.com" },
        { emailAddress: "user@example.com" },
        { emailAddress: "not an email" },
        { emailAddress: "other@example.com", expiresInDays: 0 }
      ]))
      const byEmail = new Map(results.map(({ outcome }) => [outcome.emailAddress, outcome._tag]))
      assert.deepStrictEqual(Object.fromEntries(byEmail), {
        "new@example.com": "Invited",
        "NEW@example.com": "DuplicateInput",
        "pending@example.com": "AlreadyInvited",
        "accepted@example.com": "UserExists",
        "user@example.com": "UserExists",
        "not an email": "Invalid",
        "other@example.com": "Invalid"
      })
      assert.strictEqual(pending.status, "pending")
      const posts = (yield* emulator.requests).filter((r) => r.method === "POST").length - before
      assert.isAtMost(posts, 3, "no quota spent on what is skipped")
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("a bulk rejected for a duplicate is re-sent without it", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const invitations = yield* Invitations.Invitations
      // created after the importer's scan: the bulk call meets it
      const results = yield* runSimulated(
        Importer.invite(
          Stream.fromIterable(emails(5)).pipe(
            Stream.tap((params) =>
              params.emailAddress === "user0@example.com"
                ? Effect.asVoid(invitations.create({ emailAddress: "user3@example.com" }))
                : Effect.void
            )
          ),
          { limits: { create: 0 } }
        )
      )
      const byEmail = Object.fromEntries(results.map(({ outcome }) => [outcome.emailAddress, outcome._tag]))
      assert.strictEqual(byEmail["user3@example.com"], "AlreadyInvited")
      assert.strictEqual(results.filter((r) => r.outcome._tag === "Invited").length, 4)
      assert.deepStrictEqual(yield* storedCounts(emulator), { total: 5, distinct: 5, doubled: 0 })
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("obeys a 429's Retry-After when Clerk disagrees with its count", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* emulator.injectFaults("bulk", Fault.Status({ status: 429, retryAfter: 600 }), 1)
      const results = yield* runSimulated(Importer.invite(emails(10), { limits: { create: 0 } }), "10 seconds")
      assert.deepStrictEqual(tally(results), { Invited: 10 })
      const bulk = (yield* emulator.requests).filter((r) => r.path.endsWith("/bulk"))
      assert.deepStrictEqual(bulk.map((r) => r.status), [429, 200])
    }).pipe(Effect.provide(stack({ rateLimits: false }))))

  it.effect("running it again over the same input invites nobody twice and spends no quota", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const input = emails(25)
      // the first run is stopped after 12 results
      const first = yield* runSimulated(Importer.invite(input, { limits: { create: 2, bulk: 1 } }).pipe(Stream.take(12)))
      assert.strictEqual(first.length, 12)
      const postsBefore = (yield* emulator.requests).length
      const second = yield* runSimulated(Importer.invite(input, { limits: { create: 2, bulk: 1 } }))
      const counts = tally(second)
      assert.strictEqual((counts["AlreadyInvited"] ?? 0) + (counts["Invited"] ?? 0), 25)
      assert.strictEqual(counts["AlreadyInvited"], 12)
      assert.deepStrictEqual(yield* storedCounts(emulator), { total: 25, distinct: 25, doubled: 0 })
      // No quota on what is done: no request of the second run names an address the first invited.
      const done = new Set(first.map((r) => r.outcome.emailAddress))
      const sent = (yield* emulator.requests).slice(postsBefore).filter((r) => r.method === "POST")
      const named = sent.flatMap((r) => (Array.isArray(r.body) ? r.body : [r.body]).map((b) => JSON.stringify(b)))
      assert.isTrue(named.every((body) => ![...done].some((email) => body.includes(`"${email}"`))))
      // The first run's use of the quotas is Clerk's to know: its 429s cost nothing and were obeyed.
      assert.isTrue(sent.every((r) => r.status === 200 || r.status === 429))
    }).pipe(Effect.provide(stack({ rateLimits: { create: 2, bulk: 1 } }))))

  it.effect("progress tells done, remaining, rate and what it waits for", () =>
    Effect.gen(function*() {
      const seen: Array<Importer.Progress> = []
      const results = yield* runSimulated(Importer.invite(emails(14), {
        limits: { create: 1, bulk: 1 },
        onProgress: (progress) => Effect.sync(() => void seen.push(progress))
      }))
      const last = results[results.length - 1]?.progress
      assert.strictEqual(last?.done, 14)
      assert.strictEqual(last?.remaining, 0)
      assert.strictEqual(last?.invited, 14)
      assert.isTrue(last?.inputDone)
      const waits = seen.filter((p) => Option.isSome(p.waitingUntil))
      assert.isAbove(waits.length, 0, "it reported a wait for the next window")
    }).pipe(Effect.provide(stack({ rateLimits: { create: 1, bulk: 1 } }))))

  it.effect("a refused key stops the import with Unauthorized", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Stream.runDrain(Importer.invite(emails(3), { skipExisting: false })))
      assert.strictEqual(error._tag, "Unauthorized")
    }).pipe(Effect.provide(stack({ rateLimits: false, secretKeys: ["sk_test_other"] }))))
})

describe("figures", () => {
  it.effect("10,000 addresses under Clerk's limits: ≥ 95% of the 350/hour ceiling, none lost or doubled", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      const results = yield* runSimulated(Importer.invite(emails(10_000)), "10 minutes")
      assert.deepStrictEqual(tally(results), { Invited: 10_000 })
      assert.deepStrictEqual(yield* storedCounts(emulator), { total: 10_000, distinct: 10_000, doubled: 0 })
      const last = results[results.length - 1]?.progress
      const invitedAt = (yield* emulator.invitations).map((i) => i.created_at)
      const hours = (Math.max(...invitedAt) - Math.min(...invitedAt)) / 3_600_000
      // Clerk's windows: the last burst still needs its hour, so count it in the denominator.
      const perHour = 10_000 / (hours + 1)
      console.log(
        `10,000 invitations in ${hours.toFixed(2)} simulated hours: ${perHour.toFixed(1)}/hour over full windows ` +
          `(${((perHour / 350) * 100).toFixed(1)}% of 350), ${(last?.ratePerHour ?? 0).toFixed(1)}/hour as the importer counts`
      )
      assert.isAtLeast(perHour, 0.95 * 350)
      const posts = (yield* emulator.requests).filter((r) => r.method === "POST")
      assert.strictEqual(posts.filter((r) => r.status === 429).length, 0)
    }).pipe(Effect.provide(stack({ requestLogSize: Infinity }))), 120_000)

  it.effect("1,000 addresses with 30% of requests faulted: exactly 1,000 invitations, none doubled, every input accounted for", () =>
    Effect.gen(function*() {
      const emulator = yield* ClerkEmulator.ClerkEmulator
      yield* emulator.injectChaos({
        rate: 0.3,
        seed: "effect-clerk chaos",
        faults: [
          Fault.Status({ status: 500 }),
          Fault.Status({ status: 503 }),
          Fault.Status({ status: 429, retryAfter: 2 }),
          Fault.ResetBefore(),
          Fault.ResetAfter(),
          Fault.Malformed()
        ]
      })
      const input = emails(1_000, "chaos")
      const results = yield* runSimulated(Importer.invite(input), "1 minute")
      const counts = tally(results)
      const faulted = (yield* emulator.requests).filter((r) => r.fault !== undefined).length
      const total = (yield* emulator.requests).length
      console.log(
        `1,000 addresses, ${faulted} of ${total} requests faulted (${((faulted / total) * 100).toFixed(1)}%): ` +
          JSON.stringify(counts)
      )
      assert.isAtLeast(faulted / total, 0.25)
      // every input accounted for, once
      assert.strictEqual(results.length, 1_000)
      assert.deepStrictEqual(new Set(results.map((r) => r.outcome.emailAddress)), new Set(input.map((i) => i.emailAddress)))
      // what Clerk holds: exactly one invitation per address
      assert.deepStrictEqual(yield* storedCounts(emulator), { total: 1_000, distinct: 1_000, doubled: 0 })
      assert.strictEqual((counts["Invited"] ?? 0) + (counts["AlreadyInvited"] ?? 0), 1_000)
    }).pipe(Effect.provide(stack({ requestLogSize: Infinity }))), 120_000)
})
