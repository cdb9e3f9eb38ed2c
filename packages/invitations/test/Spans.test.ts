/**
 * The one tracer-off fast path (internal/spans.ts): `operation(name, body)` must behave as
 * `Effect.fn(name)(body)`, the plain form, in what a caller can see: the same exit for successes,
 * typed failures and defects, and under an app's tracer the same span (name, parent, status).
 * Without an app's tracer it opens no span at all, which is what it buys.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as fc from "effect/FastCheck"
import { operation } from "../src/internal/spans.js"
import { recordingTracer } from "./utils.js"

type Outcome = { readonly _tag: "ok"; readonly n: number } | { readonly _tag: "fail"; readonly n: number } | { readonly _tag: "die" }

const body = (outcome: Outcome) =>
  outcome._tag === "ok"
    ? Effect.succeed(outcome.n)
    : outcome._tag === "fail"
    ? Effect.fail({ _tag: "Boom", n: outcome.n } as const)
    : Effect.die("bug")

const outcomes: fc.Arbitrary<Outcome> = fc.oneof(
  fc.integer().map((n) => ({ _tag: "ok" as const, n })),
  fc.integer().map((n) => ({ _tag: "fail" as const, n })),
  fc.constant({ _tag: "die" as const })
)

const fast = operation("Test.op", body)
const plain = Effect.fn("Test.op")(body)

const sameExit = (a: Exit.Exit<unknown, unknown>, b: Exit.Exit<unknown, unknown>) =>
  Exit.match(a, {
    onSuccess: (value) => Exit.isSuccess(b) && b.value === value,
    onFailure: (cause) => Exit.isFailure(b) && JSON.stringify(cause.toJSON()) === JSON.stringify(b.cause.toJSON())
  })

describe("operation: Effect.fn's behaviour, without a span nobody reads", () => {
  it.effect.prop("the same exit as Effect.fn, with and without an app's tracer", [outcomes], ([outcome]) =>
    Effect.gen(function*() {
      const { tracer } = yield* recordingTracer
      assert.isTrue(sameExit(yield* Effect.exit(fast(outcome)), yield* Effect.exit(plain(outcome))))
      assert.isTrue(
        sameExit(
          yield* Effect.exit(fast(outcome).pipe(Effect.withTracer(tracer))),
          yield* Effect.exit(plain(outcome).pipe(Effect.withTracer(tracer)))
        )
      )
    }))

  it.effect("under an app's tracer: the span Effect.fn opens (name, parent, exit)", () =>
    Effect.gen(function*() {
      const spansOf = (run: (o: Outcome) => Effect.Effect<number, unknown>) =>
        Effect.gen(function*() {
          const { spans, tracer } = yield* recordingTracer
          yield* Effect.exit(run({ _tag: "fail", n: 1 }).pipe(Effect.withSpan("caller"), Effect.withTracer(tracer)))
          return spans.map((span) => ({
            name: span.name,
            parent: span.parent._tag === "Some" && span.parent.value._tag === "Span" ? span.parent.value.name : undefined,
            ended: span.status._tag === "Ended" && Exit.isFailure(span.status.exit)
          }))
        })
      assert.deepStrictEqual(yield* spansOf(fast), yield* spansOf(plain))
      assert.deepStrictEqual((yield* spansOf(fast)).map((s) => s.name), ["caller", "Test.op"])
    }))

  it.effect("under Effect's default tracer or with tracing off: no span of its own (Effect.fn opens one)", () =>
    Effect.gen(function*() {
      const { tracer } = yield* recordingTracer
      const innermost = (run: () => Effect.Effect<string>) => run().pipe(Effect.withSpan("caller"))
      const spanName = Effect.map(Effect.orDie(Effect.currentSpan), (span) => span.name)
      assert.strictEqual(yield* innermost(operation("Test.op", () => spanName)), "caller")
      assert.strictEqual(yield* innermost(Effect.fn("Test.op")(() => spanName)), "Test.op")
      assert.strictEqual(
        yield* innermost(operation("Test.op", () => spanName)).pipe(Effect.withTracer(tracer), Effect.withTracerEnabled(false)),
        "caller"
      )
      assert.strictEqual(yield* innermost(operation("Test.op", () => spanName)).pipe(Effect.withTracer(tracer)), "Test.op")
    }))
})
