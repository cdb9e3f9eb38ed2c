/** Every typed error of the library as the command line prints it: one line, its exit code, the trace id, never the key. */
import { ClerkEmulator, Fault } from "@effect-clerk/emulator"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, Option, TestClock } from "effect"
import { cli, type Ran } from "./utils.js"

const secret = "sk_test_S3cretValue_never_printed"
const wrong = "sk_test_Wr0ngValue_never_printed"
const emulator = ClerkEmulator.layer({ secretKeys: [secret] })
const env = { CLERK_SECRET_KEY: secret }

/** One `error:` line on stderr, no stack frame, no key anywhere. */
const oneLine = (ran: Ran, code: number, pattern: RegExp) => {
  assert.strictEqual(ran.code, code, ran.stderr)
  assert.strictEqual(ran.stderrLines.length, 1, ran.stderr)
  assert.match(ran.stderrLines[0] ?? "", pattern)
  for (const text of [ran.stdout, ran.stderr]) {
    assert.notInclude(text, secret)
    assert.notInclude(text, wrong)
    assert.notMatch(text, /\n\s+at /)
  }
}

describe("typed errors", () => {
  it.effect("DuplicateEmail: exit 1, the address, the reason and Clerk's trace id", () =>
    Effect.gen(function*() {
      yield* cli(["create", "a@example.com"], { env })
      oneLine(yield* cli(["create", "a@example.com"], { env }), 1, /^error: Cannot invite a@example\.com: an invitation is already pending .*\(Clerk trace \w+\)$/)
    }).pipe(Effect.provide(emulator)))

  it.effect("InvitationNotFound and InvitationNotRevocable: exit 1, one line each", () =>
    Effect.gen(function*() {
      const control = yield* ClerkEmulator.ClerkEmulator
      const notFound = yield* cli(["revoke", "inv_2g7np7Hrk0SN6kj5EDMLDaKNL0S"], { env })
      assert.strictEqual(notFound.code, 1)
      assert.match(notFound.stderrLines[0] ?? "", /^error: inv_2g7np7Hrk0SN6kj5EDMLDaKNL0S: No invitation was found .*\(Clerk trace \w+\)$/)
      const id = JSON.parse((yield* cli(["create", "b@example.com", "--json"], { env })).stdout).data[0].id
      yield* control.accept(id)
      const accepted = yield* cli(["revoke", id], { env })
      assert.strictEqual(accepted.code, 1)
      assert.match(accepted.stderrLines[0] ?? "", new RegExp(`^error: ${id}: Cannot revoke invitation ${id}: it was already accepted`))
    }).pipe(Effect.provide(emulator)))

  it.effect("Unauthorized: exit 1, says which key to check, never prints it", () =>
    Effect.gen(function*() {
      oneLine(yield* cli(["list"], { env: { CLERK_SECRET_KEY: wrong } }), 1, /^error: .*check CLERK_SECRET_KEY or --secret-key \(Clerk trace \w+\)$/)
      oneLine(yield* cli(["list", "--secret-key", wrong], { env: {} }), 1, /CLERK_SECRET_KEY/)
      oneLine(yield* cli(["--json", "list", "--secret-key", wrong], { env: {} }), 1, /^\{"error":\{.*"_tag":"Unauthorized","trace_id":"\w+"\}\}$/)
    }).pipe(Effect.provide(emulator)))

  it.effect("RateLimited beyond the wait budget: exit 1, how long Clerk asked to wait", () =>
    Effect.gen(function*() {
      yield* (yield* ClerkEmulator.ClerkEmulator).injectFaults("create", Fault.Status({ status: 429, retryAfter: 3600 }))
      oneLine(yield* cli(["create", "c@example.com"], { env }), 1, /^error: Clerk's rate limit was reached: retry after 1h/)
    }).pipe(Effect.provide(emulator)))

  it.effect("InvalidRequest: exit 2, what to fix, nothing sent", () =>
    Effect.gen(function*() {
      oneLine(yield* cli(["create", "d@example.com", "--expires-in-days", "0"], { env }), 2, /^error: Invalid create parameters: expiresInDays: expiresInDays must be between 1 and 365$/)
      assert.deepStrictEqual(yield* (yield* ClerkEmulator.ClerkEmulator).requests, [])
    }).pipe(Effect.provide(emulator)))

  it.effect("ClerkApiError: exit 1, status, code and Clerk's words", () =>
    Effect.gen(function*() {
      yield* (yield* ClerkEmulator.ClerkEmulator).injectFaults("list", Fault.Status({ status: 422, code: "form_param_value_invalid" }))
      oneLine(yield* cli(["list"], { env }), 1, /^error: Clerk answered 422, form_param_value_invalid: .*\(Clerk trace \w+\)$/)
    }).pipe(Effect.provide(emulator)))

  it.effect("ClerkRequestError after the retries: exit 1, one line", () =>
    Effect.gen(function*() {
      yield* (yield* ClerkEmulator.ClerkEmulator).injectFaults("list", Fault.ResetBefore(), 100)
      const fiber = yield* Effect.fork(cli(["list"], { env }))
      // The run reads package.json (real I/O) before its first request: move the clock in steps,
      // letting the event loop turn between them, until the run ends (bounded).
      for (let step = 0; step < 1000 && Option.isNone(yield* Fiber.poll(fiber)); step++) {
        yield* TestClock.adjust("10 seconds")
        yield* Effect.promise(() => new Promise<void>((resolve) => setImmediate(resolve)))
      }
      oneLine(yield* Fiber.join(fiber), 1, /^error: GET \/invitations failed in transport.* The outcome is unknown if the request was sent\.$/)
    }).pipe(Effect.provide(emulator)))

  it.effect("no key, an empty key or a bad URL: exit 2 saying what to set, nothing sent", () =>
    Effect.gen(function*() {
      const missing = "error: set CLERK_SECRET_KEY or pass --secret-key (Clerk Dashboard → API keys)"
      assert.deepStrictEqual((yield* cli(["list"], { env: {} })).stderrLines, [missing])
      assert.deepStrictEqual((yield* cli(["list"], { env: { CLERK_SECRET_KEY: "" } })).stderrLines, [missing])
      assert.strictEqual((yield* cli(["list", "--secret-key", " "], { env: {} })).code, 2)
      oneLine(yield* cli(["list", "--api-url", "ftp://x"], { env }), 2, /must be an http\(s\) URL/)
      assert.deepStrictEqual(yield* (yield* ClerkEmulator.ClerkEmulator).requests, [])
    }).pipe(Effect.provide(emulator)))

  it.effect("usage errors from the parser: exit 2, printed once", () =>
    Effect.gen(function*() {
      const unknown = yield* cli(["lst"], { env })
      assert.strictEqual(unknown.code, 2)
      assert.deepStrictEqual(unknown.stderrLines, ["Invalid subcommand for effect-clerk - use one of 'create', 'list', 'revoke', 'import', 'emulator'"])
      const badInt = yield* cli(["list", "--limit", "x"], { env })
      assert.strictEqual(badInt.code, 2)
      assert.deepStrictEqual(badInt.stderrLines, ["'x' is not a integer"])
      const none = yield* cli([], { env })
      assert.strictEqual(none.code, 2)
      assert.strictEqual(none.stderrLines.length, 1)
    }).pipe(Effect.provide(emulator)))
})
