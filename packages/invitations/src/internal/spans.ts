/**
 * The operations' spans, and the one tracer-off fast path of the package.
 *
 * `operation(name, body)` is `Effect.fn(name)(body)` when an app has installed a tracer: the span
 * `name`, a child of the caller's span. Under Effect's default tracer (which keeps spans in memory
 * and exports them nowhere) or with tracing disabled, it runs `body` as it is: a span there costs
 * 10–25 µs a call (a span object, a captured stack, a context update), about a tenth of a create,
 * and reaches nobody. Measured with `npm run bench` (see BENCHMARKS.md, "What each fast path buys").
 *
 * The default tracer is the one in `DefaultServices.liveServices`, compared by identity: no runtime
 * is run to find it, at import time or later.
 *
 * @internal
 */
import * as Context from "effect/Context"
import * as DefaultServices from "effect/DefaultServices"
import * as Effect from "effect/Effect"
import type * as Fiber from "effect/Fiber"
import * as FiberRef from "effect/FiberRef"
import * as Option from "effect/Option"
import * as Tracer from "effect/Tracer"

const defaultTracer = Context.get(DefaultServices.liveServices, Tracer.Tracer)

/** Whether a span opened by `fiber` now would reach a tracer that exports it. @internal */
export const isTraced = (fiber: Fiber.RuntimeFiber<unknown, unknown>): boolean =>
  fiber.currentTracer !== defaultTracer && fiber.getFiberRef(FiberRef.currentTracerEnabled)

/**
 * A public operation named `name`: `body` in a span of that name under an app's tracer
 * (`Effect.withSpan`, as `Effect.fn` opens it), as it is otherwise.
 *
 * @internal
 */
export const operation = <Args extends ReadonlyArray<unknown>, A, E, R>(
  name: string,
  body: (...args: Args) => Effect.Effect<A, E, R>
): (...args: Args) => Effect.Effect<A, E, R> =>
(...args) => Effect.withFiberRuntime((fiber) => isTraced(fiber) ? Effect.withSpan(body(...args), name) : body(...args))

/**
 * `Effect.withSpan(self, name, options)` under an app's tracer, `self` otherwise: for the steps
 * inside an operation (a page of a stream, a reconcile lookup).
 *
 * @internal
 */
export const span = (name: string, options?: Tracer.SpanOptions) => <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.withFiberRuntime<A, E, R>((fiber) => isTraced(fiber) ? Effect.withSpan(self, name, options) : self)

// The span to annotate: the innermost one that is ours (not one marked not to propagate).
const annotatable = (span: Tracer.AnySpan | undefined): Tracer.Span | undefined => {
  let current = span
  while (current !== undefined && current._tag === "Span" && Context.get(current.context, Tracer.DisablePropagation)) {
    current = Option.getOrUndefined(current.parent)
  }
  return current !== undefined && current._tag === "Span" ? current : undefined
}

/**
 * Sets `attributes()` on the current span, then runs `self`: under an app's tracer only, where the
 * operation opened its span (so a caller's span is never annotated, and without a tracer the
 * attributes are not even built). Unlike `Effect.annotateCurrentSpan`, allocates no error when
 * there is no span.
 *
 * @internal
 */
export const annotateThen = <A, E, R>(
  attributes: () => Readonly<Record<string, unknown>>,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> =>
  Effect.withFiberRuntime((fiber) => {
    if (isTraced(fiber)) {
      const current = annotatable(Option.getOrUndefined(Context.getOption(fiber.currentContext, Tracer.ParentSpan)))
      if (current !== undefined) {
        const all = attributes()
        for (const key in all) current.attribute(key, all[key])
      }
    }
    return self
  })
