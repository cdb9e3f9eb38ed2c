import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, TestClock } from "effect"
import { ClerkEmulator, Fault } from "../src/index.js"
import { code, control, get, post, record, withEmulator } from "./utils.js"

const stored = Effect.flatMap(control, (c) => c.invitations)
const inject = (route: Fault.Route, fault: Fault.Fault, times?: number) =>
  Effect.flatMap(control, (c) => c.injectFaults(route, fault, times))
const create = (email: string) => post("/invitations", { email_address: email })

describe("injected faults", () => {
  it.effect("Status answers without performing the operation, for `times` requests", () =>
    Effect.gen(function*() {
      yield* inject("create", Fault.Status({ status: 503, retryAfter: 2 }), 2)
      const first = yield* create("a@example.com")
      const second = yield* create("a@example.com")
      assert.deepStrictEqual([first.status, code(first), first.headers["retry-after"]], [503, "internal_clerk_error", "2"])
      assert.strictEqual(second.status, 503)
      assert.strictEqual(first.headers["content-type"], "application/json")
      assert.strictEqual((yield* stored).length, 0)
      assert.strictEqual((yield* create("a@example.com")).status, 200)
    }).pipe(withEmulator()))

  it.effect("Status 429 defaults to too_many_requests; code, HTTP-date and body can be set", () =>
    Effect.gen(function*() {
      yield* inject("list", Fault.Status({ status: 429 }))
      yield* inject("list", Fault.Status({ status: 500, code: "boom", retryAfter: "Wed, 21 Oct 2026 07:28:00 GMT" }))
      yield* inject("list", Fault.Status({ status: 502, body: { custom: true } }))
      const limited = yield* get("/invitations")
      assert.deepStrictEqual([limited.status, code(limited)], [429, "too_many_requests"])
      const custom = yield* get("/invitations")
      assert.deepStrictEqual([custom.status, code(custom), custom.headers["retry-after"]], [
        500, "boom", "Wed, 21 Oct 2026 07:28:00 GMT"
      ])
      const body = yield* get("/invitations")
      assert.deepStrictEqual([body.status, body.json], [502, { custom: true }])
    }).pipe(withEmulator()))

  it.effect("ResetBefore fails the call with a transport error and performs nothing", () =>
    Effect.gen(function*() {
      yield* inject("create", Fault.ResetBefore())
      const error = yield* Effect.flip(create("a@example.com"))
      assert.strictEqual(error._tag, "RequestError")
      assert.strictEqual(error._tag === "RequestError" ? error.reason : undefined, "Transport")
      assert.strictEqual((yield* stored).length, 0)
      const [received] = yield* Effect.flatMap(control, (c) => c.requests)
      assert.deepStrictEqual([received?.status, received?.fault], [undefined, "ResetBefore"])
    }).pipe(withEmulator()))

  it.effect("ResetAfter performs the operation, then fails the call", () =>
    Effect.gen(function*() {
      yield* inject("create", Fault.ResetAfter())
      const error = yield* Effect.flip(create("a@example.com"))
      assert.strictEqual(error._tag, "RequestError")
      const invitations = yield* stored
      assert.deepStrictEqual(invitations.map((i) => i.email_address), ["a@example.com"])
      const retry = yield* create("a@example.com")
      assert.strictEqual(code(retry), "duplicate_record")
    }).pipe(withEmulator()))

  it.effect("Delay waits on the Clock, then answers normally", () =>
    Effect.gen(function*() {
      yield* inject("list", Fault.Delay({ duration: "30 seconds" }))
      const fiber = yield* Effect.fork(get("/invitations"))
      yield* TestClock.adjust("29 seconds")
      assert.isNull(fiber.unsafePoll())
      yield* TestClock.adjust("1 second")
      const reply = yield* Fiber.join(fiber)
      assert.strictEqual(reply.status, 200)
    }).pipe(withEmulator()))

  it.effect("Malformed performs the operation and answers 200 with truncated JSON", () =>
    Effect.gen(function*() {
      yield* inject("create", Fault.Malformed())
      const reply = yield* create("a@example.com")
      assert.strictEqual(reply.status, 200)
      assert.strictEqual(reply.headers["content-type"], "application/json")
      assert.isUndefined(reply.json)
      assert.isTrue(reply.text.startsWith("{\"object\":\"invitation\""))
      assert.strictEqual((yield* stored).length, 1)
    }).pipe(withEmulator()))

  it.effect("a route's fault leaves other routes alone; * hits any route; queued faults apply in order", () =>
    Effect.gen(function*() {
      yield* inject("revoke", Fault.Status({ status: 500 }))
      yield* inject("*", Fault.Status({ status: 502 }))
      yield* inject("*", Fault.Status({ status: 503 }))
      assert.strictEqual((yield* get("/invitations")).status, 502)
      assert.strictEqual((yield* post("/invitations/inv_x/revoke")).status, 500)
      assert.strictEqual((yield* create("a@example.com")).status, 503)
      const created = yield* create("a@example.com")
      assert.strictEqual(created.status, 200)
      assert.strictEqual((yield* post(`/invitations/${String(record(created.json).id)}/revoke`)).status, 200)
    }).pipe(withEmulator()))

  it.effect("chaos at rate 1 always faults, at rate 0 never", () =>
    Effect.gen(function*() {
      const emulator = yield* control
      yield* emulator.injectChaos({ rate: 1, faults: [Fault.Status({ status: 500 })], routes: ["list"] })
      assert.strictEqual((yield* get("/invitations")).status, 500)
      assert.strictEqual((yield* create("a@example.com")).status, 200)
      yield* emulator.injectChaos({ rate: 0, faults: [Fault.Status({ status: 500 })] })
      for (let i = 0; i < 20; i++) assert.strictEqual((yield* get("/invitations")).status, 200)
    }).pipe(withEmulator()))

  it.effect("seeded chaos faults about `rate` of requests, the same way every run", () =>
    Effect.gen(function*() {
      const statuses = Effect.gen(function*() {
        const emulator = yield* control
        yield* emulator.injectChaos({
          rate: 0.3,
          faults: [Fault.Status({ status: 500 }), Fault.Status({ status: 503 })],
          seed: 42
        })
        return yield* Effect.forEach(Array.from({ length: 200 }), () => Effect.map(get("/invitations"), (r) => r.status))
      })
      const first = yield* statuses.pipe(Effect.provide(ClerkEmulator.layer()))
      const second = yield* statuses.pipe(Effect.provide(ClerkEmulator.layer()))
      assert.deepStrictEqual(first, second)
      const faulted = first.filter((s) => s !== 200)
      assert.isAbove(faulted.length, 30)
      assert.isBelow(faulted.length, 90)
      assert.includeMembers(faulted, [500, 503])
    }))
})

describe("requests whose caller gives up", () => {
  it.effect("a create delayed past the caller's timeout still completes, as on a real server", () =>
    Effect.gen(function*() {
      yield* inject("create", Fault.Delay({ duration: "10 seconds" }))
      const fiber = yield* Effect.fork(Effect.timeout(create("a@example.com"), "1 second"))
      yield* TestClock.adjust("1 second")
      const timedOut = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(timedOut._tag, "TimeoutException")
      assert.strictEqual((yield* stored).length, 0)
      yield* TestClock.adjust("9 seconds")
      assert.strictEqual((yield* stored).length, 1)
    }).pipe(withEmulator()))

  it.effect("concurrent creates for one address store exactly one invitation", () =>
    Effect.gen(function*() {
      const replies = yield* Effect.all(Array.from({ length: 20 }, () => create("same@example.com")), { concurrency: "unbounded" })
      assert.strictEqual(replies.filter((r) => r.status === 200).length, 1)
      assert.strictEqual(replies.filter((r) => code(r) === "duplicate_record").length, 19)
      assert.strictEqual((yield* stored).length, 1)
    }).pipe(withEmulator()))
})

describe("the Date header", () => {
  it.effect("every answer, error, injected status and malformed body included, carries the Clock's time", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("90061500 millis") // 1 day, 1 h, 1 min, 1.5 s after the epoch
      const at = "Fri, 02 Jan 1970 01:01:01 GMT"
      const created = yield* create("a@example.com")
      const duplicate = yield* create("a@example.com")
      yield* inject("list", Fault.Status({ status: 503 }))
      const injected = yield* get("/invitations")
      yield* inject("create", Fault.Malformed())
      const malformed = yield* create("b@example.com")
      const unauthorized = yield* get("/invitations/none")
      assert.deepStrictEqual(
        [created, duplicate, injected, malformed, unauthorized].map((reply) => [reply.status, reply.headers["date"]]),
        [[200, at], [400, at], [503, at], [200, at], [404, at]]
      )
      assert.strictEqual(record(created.json).created_at, 90061500)
    }).pipe(withEmulator()))
})
