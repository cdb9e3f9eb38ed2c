/**
 * Progress of an import on stderr: on a TTY a bar (cli-progress) with done/total, invited, rate per
 * hour, ETA and the quota wait; elsewhere one line per 10% and one per quota wait. Nothing here
 * writes to stdout.
 */
import cliProgress from "cli-progress"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** Where an import stands, as shown. */
export interface State {
  /** Rows with an outcome (this run and earlier runs of the same journal). */
  readonly done: number
  /** Rows in the input (an estimate from its line count until the input is read). */
  readonly total: number
  /** Invitations created (this run and earlier runs of the same journal). */
  readonly invited: number
  /** Invitations created per hour by this process. */
  readonly ratePerHour: number
  /** Until when the import waits for Clerk's quota, epoch ms. */
  readonly waitingUntil: Option.Option<number>
  /** Time left, in words. */
  readonly eta: string
}

/** A progress display. */
export interface Display {
  readonly update: (state: State) => Effect.Effect<void>
  /** A message on stderr that does not break the bar. */
  readonly note: (line: string) => Effect.Effect<void>
  readonly end: Effect.Effect<void>
}

/** "HH:MM" of an epoch time, in the machine's time zone. */
export const clockTime = (millis: number): string => {
  const date = new Date(millis)
  return `${String(date.getHours()).padStart(2, "0")}:${String(date.getMinutes()).padStart(2, "0")}`
}

const number = (n: number) => Math.round(n).toLocaleString("en-US")

const waitText = (state: State) =>
  Option.match(state.waitingUntil, {
    onNone: () => "",
    onSome: (until) => `waiting for Clerk's quota until ${clockTime(until)}`
  })

/** Lines for logs and pipes: one per 10% and one per quota wait. */
export const lines = (): Display => {
  let lastTenth = -1
  let lastWait = Option.none<number>()
  return {
    update: (state) =>
      Effect.suspend(() => {
        const out: Array<string> = []
        const tenth = state.total > 0 ? Math.floor((Math.min(state.done, state.total) / state.total) * 10) : 0
        if (tenth > lastTenth && state.done > 0) {
          lastTenth = tenth
          out.push(
            `Progress: ${tenth * 10}% (${number(state.done)}/${number(state.total)} rows), ${number(state.invited)} invited, ` +
              `${number(state.ratePerHour)}/hour, ${state.eta} left`
          )
        }
        if (Option.isSome(state.waitingUntil) && !Option.getEquivalence((a: number, b: number) => a === b)(lastWait, state.waitingUntil)) {
          out.push(`Progress: ${number(state.done)}/${number(state.total)} rows, ${waitText(state)}`)
        }
        lastWait = state.waitingUntil
        return out.length === 0 ? Effect.void : Console.error(out.join("\n"))
      }),
    note: (line) => Console.error(line),
    end: Effect.void
  }
}

/** A bar on the terminal behind `stream` (stderr). */
export const bar = (stream: NodeJS.WritableStream): Display => {
  const multi = new cliProgress.MultiBar({
    stream,
    format: " {bar} {value}/{total} rows | {invited} invited | {rate}/h | {eta_words} {waiting}",
    hideCursor: true,
    clearOnComplete: false,
    stopOnComplete: false,
    etaBuffer: 100
  }, cliProgress.Presets.shades_classic)
  const one = multi.create(0, 0, { invited: "0", rate: "0", eta_words: "", waiting: "" })
  return {
    update: (state) =>
      Effect.sync(() => {
        one.setTotal(Math.max(state.total, state.done))
        one.update(state.done, {
          invited: number(state.invited),
          rate: number(state.ratePerHour),
          eta_words: `ETA ${state.eta}`,
          waiting: waitText(state)
        })
      }),
    note: (line) => Effect.sync(() => multi.log(line + "\n")),
    end: Effect.sync(() => multi.stop())
  }
}
