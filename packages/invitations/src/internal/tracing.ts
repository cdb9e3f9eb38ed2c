/**
 * Spans that cost nothing when nobody reads them. Effect's default tracer keeps spans in memory
 * and exports them nowhere, yet `Effect.fn` and `Effect.withSpan` pay for each one (a span
 * object, attributes, a captured stack, a context update: 10–25 µs a call, a tenth of a create).
 * So the operations open their spans only when tracing is enabled and the tracer is not the
 * default one, that is when an app has installed a tracer (OpenTelemetry, a test's recorder).
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

/** Effect's default tracer, as every runtime has it until an app installs another. */
const defaultTracer: Tracer.Tracer = Effect.runSync(Effect.tracer)

/** Whether a span opened by this fiber now would reach a tracer that exports it. @internal */
export const isTraced = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  fiber.currentTracer !== defaultTracer && fiber.getFiberRef(FiberRef.currentTracerEnabled)

/**
 * Runs `self` in a span named `name` when an app's tracer would export it (`Effect.withSpan`),
 * as it is otherwise.
 *
 * @internal
 */
export const withSpan = <A, E, R>(
  self: Effect.Effect<A, E, R>,
  name: string,
  options?: Tracer.SpanOptions
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => isTraced(fiber) ? Effect.withSpan(self, name, options) : self)

const propagated = (span: Tracer.AnySpan | undefined): Tracer.Span | undefined => {
  let current = span
  while (current !== undefined && current._tag === "Span" && Context.get(current.context, Tracer.DisablePropagation)) {
    current = Option.getOrUndefined(current.parent)
  }
  return current !== undefined && current._tag === "Span" ? current : undefined
}

/**
 * Sets `attributes()` on the current span, then runs `self`, in one step. Under an app's tracer
 * only (where the operations have opened theirs, so it is the operation's span, or the
 * `Invitations.reconcile` span of a lookup); without one, no span is touched, a caller's
 * included, and the attributes are not even built. Unlike `Effect.annotateCurrentSpan`, allocates
 * no error when there is no span.
 *
 * @internal
 */
export const annotateThen = <A, E, R>(
  attributes: () => Readonly<Record<string, unknown>>,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    if (isTraced(fiber)) {
      const span = propagated(Option.getOrUndefined(Context.getOption(fiber.currentContext, Tracer.ParentSpan)))
      if (span !== undefined) {
        const all = attributes()
        for (const key in all) span.attribute(key, all[key])
      }
    }
    return self
  })
