/**
 * The fault plan: queued faults (`injectFaults`), consumed first-in first-out by the requests to
 * their route, then optional chaos that draws a fault for a share of requests.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Random from "effect/Random"
import * as Ref from "effect/Ref"
import type * as Fault from "../Fault.js"
import type { Operation } from "./model.js"

export type { Operation }

interface Queued {
  readonly route: Fault.Route
  readonly fault: Fault.Fault
  readonly remaining: number
}

interface Chaos {
  readonly options: Fault.ChaosOptions
  readonly random: Option.Option<Random.Random>
}

interface Plan {
  readonly queue: ReadonlyArray<Queued>
  readonly chaos: Option.Option<Chaos>
}

/** Where the request handler asks for the fault of a request. */
export interface Faults {
  readonly inject: (route: Fault.Route, fault: Fault.Fault, times: number) => Effect.Effect<void>
  readonly chaos: (options: Fault.ChaosOptions) => Effect.Effect<void>
  readonly take: (operation: Operation) => Effect.Effect<Option.Option<Fault.Fault>>
  readonly reset: Effect.Effect<void>
}

const empty: Plan = { queue: [], chaos: Option.none() }

const covers = (route: Fault.Route, operation: Operation) => route === "*" || route === operation

const draw = (chaos: Chaos, operation: Operation): Effect.Effect<Option.Option<Fault.Fault>> => {
  const { faults, rate, routes } = chaos.options
  if (faults.length === 0 || (routes !== undefined && !routes.some((route) => covers(route, operation)))) {
    return Effect.succeedNone
  }
  const random = Option.getOrElse(chaos.random, () => undefined)
  const next = random === undefined ? Random.next : random.next
  const pick = random === undefined ? Random.nextIntBetween(0, faults.length) : random.nextIntBetween(0, faults.length)
  return Effect.flatMap(next, (roll) => roll < rate ? Effect.map(pick, (i) => Option.fromNullable(faults[i])) : Effect.succeedNone)
}

/** Builds an empty plan. */
export const make: Effect.Effect<Faults> = Effect.map(Ref.make(empty), (ref) => ({
  inject: (route, fault, times) =>
    Ref.update(ref, (plan) =>
      times < 1 ? plan : { ...plan, queue: [...plan.queue, { route, fault, remaining: Math.floor(times) }] }),
  chaos: (options) =>
    Ref.update(ref, (plan) => ({
      ...plan,
      chaos: Option.some({
        options,
        random: options.seed === undefined ? Option.none() : Option.some(Random.make(options.seed))
      })
    })),
  take: (operation) =>
    Effect.flatMap(
      Ref.modify(ref, (plan): readonly [Option.Option<Fault.Fault> | Chaos | undefined, Plan] => {
        const index = plan.queue.findIndex((queued) => covers(queued.route, operation))
        const queued = plan.queue[index]
        if (queued === undefined) return [Option.getOrUndefined(plan.chaos), plan]
        const queue = queued.remaining > 1
          ? plan.queue.map((q, i) => i === index ? { ...q, remaining: q.remaining - 1 } : q)
          : plan.queue.filter((_, i) => i !== index)
        return [Option.some(queued.fault), { ...plan, queue }]
      }),
      (found) => found === undefined ? Effect.succeedNone : Option.isOption(found) ? Effect.succeed(found) : draw(found, operation)
    ),
  reset: Ref.set(ref, empty)
}))
