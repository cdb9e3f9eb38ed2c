/**
 * The options of the emulator's `seed` control, validated by the service and by the server's
 * `POST /__emulator/seed` alike.
 *
 * @internal
 */
import * as Schema from "effect/Schema"
import { InvitationStatus } from "./model.js"

/** The most invitations one `seed` call may insert. @internal */
export const maxSeedCount = 1_000_000

const count = Schema.Int.pipe(Schema.between(0, maxSeedCount))
const status = InvitationStatus
// characters that keep `${prefix}${n}@example.com` a valid address
const emailPrefix = Schema.String.pipe(
  Schema.maxLength(64),
  Schema.pattern(/^(?:[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*\.?)?$/)
)

/** `seed`'s options. @internal */
export const SeedOptions = Schema.Struct({
  count,
  status: Schema.optional(status),
  emailPrefix: Schema.optional(emailPrefix)
}).annotations({ identifier: "SeedOptions" })

/** The JSON body of `POST /__emulator/seed`, snake_case on the wire. @internal */
export const SeedBody = Schema.Struct({
  count,
  status: Schema.optional(status),
  email_prefix: Schema.optional(emailPrefix)
}).annotations({ identifier: "SeedBody" })
