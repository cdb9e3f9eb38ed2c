/**
 * The common `create` parameters encoded without the schema interpreter. `fastCreate` answers the
 * wire body only for a plain object with an address and, optionally, `redirectUrl`, `notify`,
 * `ignoreExisting`, `expiresInDays` and `templateSlug`, every one valid as `CreateParams` wants
 * it; for anything else (metadata, a key set to `undefined`, an unknown key, any invalid value)
 * it answers `undefined` and the schema encodes, or reports every issue. So it is never looser
 * than the schema, and its output is the schema's.
 *
 * @internal
 */
import type { CreateParams } from "../Invitation.js"
import { emailPattern, isObject } from "./wire.js"

/** The encoded form of `CreateParams`: the JSON body of `POST /invitations`. @internal */
export type CreateWire = typeof CreateParams.Encoded

const hasOwn = Object.prototype.hasOwnProperty

const isPlain = (u: { readonly [key: string]: unknown }): boolean => {
  const proto = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

const isEmail = (u: unknown): u is string => typeof u === "string" && u.length <= 320 && emailPattern.test(u)
const isDays = (u: unknown): u is number => typeof u === "number" && Number.isSafeInteger(u) && u >= 1 && u <= 365
const isSlug = (u: unknown): u is "invitation" | "waitlist_invitation" => u === "invitation" || u === "waitlist_invitation"

/** The wire body of valid, metadata-free `create` parameters, or `undefined` for the schema. @internal */
export const fastCreate = (u: unknown): CreateWire | undefined => {
  if (!isObject(u) || !isPlain(u)) return undefined
  // own properties only, as the schema reads them
  const own = (key: string): unknown => (hasOwn.call(u, key) ? u[key] : undefined)
  const emailAddress = own("emailAddress")
  const redirectUrl = own("redirectUrl")
  const notify = own("notify")
  const ignoreExisting = own("ignoreExisting")
  const expiresInDays = own("expiresInDays")
  const templateSlug = own("templateSlug")
  if (!isEmail(emailAddress)) return undefined
  let known = 1
  if (redirectUrl !== undefined) {
    if (typeof redirectUrl !== "string") return undefined
    known++
  }
  if (notify !== undefined) {
    if (typeof notify !== "boolean") return undefined
    known++
  }
  if (ignoreExisting !== undefined) {
    if (typeof ignoreExisting !== "boolean") return undefined
    known++
  }
  if (expiresInDays !== undefined) {
    if (!isDays(expiresInDays)) return undefined
    known++
  }
  if (templateSlug !== undefined) {
    if (!isSlug(templateSlug)) return undefined
    known++
  }
  // Any other key (publicMetadata included; symbols and non-enumerable ones too, which the
  // schema's excess-property check counts), or a known one set to `undefined`, goes to the schema.
  if (Reflect.ownKeys(u).length !== known) return undefined
  return {
    email_address: emailAddress,
    ...(redirectUrl === undefined ? {} : { redirect_url: redirectUrl }),
    ...(notify === undefined ? {} : { notify }),
    ...(ignoreExisting === undefined ? {} : { ignore_existing: ignoreExisting }),
    ...(expiresInDays === undefined ? {} : { expires_in_days: expiresInDays }),
    ...(templateSlug === undefined ? {} : { template_slug: templateSlug })
  }
}
