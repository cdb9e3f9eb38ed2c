/**
 * `--quotas create=100,bulk=25,window=1h`: the limits the importer paces itself to, and how long a
 * number of invitations takes at them.
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"

/** The quotas of one secret key: creates and bulk calls per window. */
export interface Quotas {
  readonly create: number
  readonly bulk: number
  readonly window: Duration.Duration
}

/** Clerk's published limits: 100 creates and 25 bulk calls (of 10) per hour. */
export const clerk: Quotas = { create: 100, bulk: 25, window: Duration.hours(1) }

const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }

const parseWindow = (text: string): Either.Either<Duration.Duration, string> => {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)$/.exec(text.trim())
  const amount = match?.[1]
  const unit = match?.[2]
  if (amount === undefined || unit === undefined) {
    return Either.left(`window ${JSON.stringify(text)} is not a duration such as 1h, 30m, 90s or 500ms`)
  }
  const millis = Number(amount) * (units[unit] ?? 1)
  return millis > 0 ? Either.right(Duration.millis(millis)) : Either.left("the window must be longer than 0")
}

/**
 * Reads `create=N,bulk=N,window=D` (any part may be left out: Clerk's value stays); a message
 * that says what to fix otherwise.
 */
export const parse = (text: string): Either.Either<Quotas, string> => {
  let quotas = clerk
  for (const part of text.split(",").map((s) => s.trim()).filter((s) => s.length > 0)) {
    const [name, value, ...extra] = part.split("=").map((s) => s.trim())
    if (value === undefined || extra.length > 0) {
      return Either.left(`--quotas: ${JSON.stringify(part)} is not name=value (e.g. create=100,bulk=25,window=1h)`)
    }
    if (name === "create" || name === "bulk") {
      if (!/^\d+$/.test(value)) return Either.left(`--quotas: ${name}=${value} is not a whole number >= 0`)
      quotas = { ...quotas, [name]: Number(value) }
    } else if (name === "window") {
      const window = parseWindow(value)
      if (Either.isLeft(window)) return Either.left(`--quotas: ${window.left}`)
      quotas = { ...quotas, window: window.right }
    } else {
      return Either.left(`--quotas: unknown quota ${JSON.stringify(name)} (known: create, bulk, window)`)
    }
  }
  if (quotas.create === 0 && quotas.bulk === 0) return Either.left("--quotas: create and bulk cannot both be 0")
  return Either.right(quotas)
}

/** Invitations per window at these quotas (bulk calls carry 10 each). */
export const perWindow = (quotas: Quotas): number => quotas.create + 10 * quotas.bulk

/** Invitations per hour at these quotas. */
export const perHour = (quotas: Quotas): number => perWindow(quotas) * (3_600_000 / Duration.toMillis(quotas.window))

/**
 * How long `count` invitations take at these quotas: the first window's worth goes at once, every
 * further window's worth waits one window more.
 */
export const duration = (count: number, quotas: Quotas): Duration.Duration =>
  Duration.millis(Math.max(0, Math.ceil(count / perWindow(quotas)) - 1) * Duration.toMillis(quotas.window))

/** A duration in words a person reads at a glance: "about 27 h 30 min", "under a minute". */
export const describe = (duration: Duration.Duration): string => {
  const minutes = Math.round(Duration.toMillis(duration) / 60_000)
  if (minutes < 1) return "under a minute"
  const h = Math.floor(minutes / 60)
  const m = minutes % 60
  return `about ${h > 0 ? `${h} h ` : ""}${m > 0 || h === 0 ? `${m} min` : ""}`.trim()
}
