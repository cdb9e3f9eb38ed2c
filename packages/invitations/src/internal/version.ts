/**
 * The package's name and version, sent in the `User-Agent` header; a test keeps it equal to
 * `package.json`.
 *
 * @internal
 */
export const packageName = "@effect-clerk/invitations"

/** @internal */
export const packageVersion = "0.1.0"

/** @internal */
export const userAgent = `${packageName}@${packageVersion}`
