/** Small statistics helpers: percentiles, medians, rounding. */

/** The `p`-th percentile (0..100) of `values`, nearest rank; NaN when empty. */
export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = Float64Array.from(values).sort()
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

/** The median of `values`. */
export const median = (values: ReadonlyArray<number>): number => percentile(values, 50)

/** `value` rounded to `digits` significant decimals after the point. */
export const round = (value: number, digits = 2): number => {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
